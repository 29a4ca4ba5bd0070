using System.Globalization;
using System.Text.RegularExpressions;

namespace Petitions.Tests.Signatures;

/// <summary>data/world's outline (projected by scripts/build-world-map) and the map's cities (projected by the app) agree.</summary>
public sealed partial class WorldOutlineTests
{
    [TestCase(-1.28, 36.82, true, TestName = "Nairobi is on land")]
    [TestCase(45.75, 4.85, true, TestName = "Lyon is on land")]
    [TestCase(55.75, 37.62, true, TestName = "Moscow is on land")]
    [TestCase(-34.61, -58.38, true, TestName = "Buenos Aires is on land")]
    [TestCase(-33.87, 151.21, true, TestName = "Sydney is on land")]
    [TestCase(64.84, -147.72, true, TestName = "Fairbanks is on land")]
    [TestCase(0, 0, false, TestName = "The Gulf of Guinea is sea")]
    [TestCase(30, -40, false, TestName = "The middle of the Atlantic is sea")]
    [TestCase(-40, -150, false, TestName = "The South Pacific is sea")]
    public void TheOutlineAndTheCitiesAreProjectedAlike(double latitude, double longitude, bool land)
    {
        // The outline was projected by scripts/build-world-map, the cities by the app: a city must fall on land.
        var path = File.ReadLines(Path.Combine(AppContext.BaseDirectory, "data", "world", "world-110m.paths"))
            .Single(l => l.StartsWith("land\t", StringComparison.Ordinal))["land\t".Length..];
        var (x, y) = global::Petitions.Signatures.EqualEarth.Project(latitude, longitude);

        Assert.That(Inside(Rings(path), x, y), Is.EqualTo(land));
        Assert.That(SignatoryMapTests.EqualEarth(latitude, longitude), Is.EqualTo((x, y)).Using<(double, double)>((a, b) => Math.Abs(a.Item1 - b.Item1) < 1e-9 && Math.Abs(a.Item2 - b.Item2) < 1e-9));
        Assert.That(new FileInfo(Path.Combine(AppContext.BaseDirectory, "data", "world", "world-110m.paths")).Length, Is.LessThan(150_000));
    }

    /// <summary>The rings of SVG path data made of M/m, l and z (the outline's format), as absolute points.</summary>
    private static List<List<(double X, double Y)>> Rings(string path)
    {
        var rings = new List<List<(double X, double Y)>>();
        double x = 0, y = 0, startX = 0, startY = 0;
        var command = ' ';
        var numbers = new List<double>();
        void Flush()
        {
            for (var i = 0; i + 1 < numbers.Count; i += 2)
            {
                if (command is 'M' or 'm' && i == 0)
                {
                    (x, y) = command == 'M' ? (numbers[0], numbers[1]) : (x + numbers[0], y + numbers[1]);
                    (startX, startY) = (x, y);
                    rings.Add([(x, y)]);
                }
                else
                {
                    (x, y) = (x + numbers[i], y + numbers[i + 1]);
                    rings[^1].Add((x, y));
                }
            }

            numbers.Clear();
        }

        foreach (Match token in PathToken().Matches(path))
        {
            if (char.IsLetter(token.Value[0]))
            {
                Flush();
                command = token.Value[0];
                if (command is 'z' or 'Z')
                {
                    (x, y) = (startX, startY);
                }
            }
            else
            {
                numbers.Add(double.Parse(token.Value, CultureInfo.InvariantCulture));
            }
        }

        Flush();
        return rings;
    }

    /// <summary>Even-odd: a point is inside when a ray from it crosses the rings' edges an odd number of times.</summary>
    private static bool Inside(List<List<(double X, double Y)>> rings, double x, double y)
    {
        var inside = false;
        foreach (var ring in rings)
        {
            for (int i = 0, j = ring.Count - 1; i < ring.Count; j = i++)
            {
                var (xi, yi) = ring[i];
                var (xj, yj) = ring[j];
                if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
                {
                    inside = !inside;
                }
            }
        }

        return inside;
    }

    [GeneratedRegex("[MmLlZz]|-?(?:\\d+\\.?\\d*|\\.\\d+)")]
    private static partial Regex PathToken();
}

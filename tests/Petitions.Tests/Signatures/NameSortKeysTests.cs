using System.Globalization;
using Petitions.Signatures;

namespace Petitions.Tests.Signatures;

/// <summary>The public list's sort keys are ICU's own, byte for byte, whichever way they are made.</summary>
public class NameSortKeysTests
{
    private static readonly CompareInfo Order = CultureInfo.GetCultureInfo("en").CompareInfo;

    private static byte[] Icu(string text) => Order.GetSortKey(text, NameSortKeys.Options).KeyData;

    private static byte[] Ours(string text)
    {
        var keys = new NameSortKeys(1);
        keys.Add(text);
        return keys.KeyAt(0).ToArray();
    }

    [Test]
    public void TheTableIsInUse() => Assert.That(NameSortKeys.TableInUse, Is.True);

    [Test]
    public void EveryPairOfTableCharactersIsKeyedAsIcuKeysIt()
    {
        var table = Enumerable.Range(0x20, 0x250 - 0x20).Select(c => (char)c).Where(c => NameSortKeys.KeyOfCharacter(c) is not null).ToList();
        Assert.That(table, Has.Count.GreaterThan(400));
        var wrong = new List<string>();
        foreach (var a in table)
        {
            foreach (var b in table)
            {
                var text = new string([a, b]);
                if (!Ours(text).AsSpan().SequenceEqual(Icu(text)))
                {
                    wrong.Add($"U+{(int)a:X4} U+{(int)b:X4}");
                }
            }
        }

        Assert.That(wrong, Is.Empty);
    }

    [Test]
    public void NamesOfAnyCharactersAreKeyedAsIcuKeysThem()
    {
        var random = new Random(20171105);
        var alphabet = Enumerable.Range(0x20, 0x250 - 0x20).Select(c => (char)c)
            .Concat("\u00B7\u00B5\u0301\u0308\u00AD\u200B\u2014\u4E2D\u05D0\u0645\uFF21\u1E9E\u0130\u0131\uD83D\uDE00").ToArray();
        for (var i = 0; i < 50_000; i++)
        {
            var text = new string(Enumerable.Range(0, random.Next(0, 14)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
            Assert.That(Ours(text), Is.EqualTo(Icu(text)), $"\"{text}\" ({string.Join(' ', text.Select(c => ((int)c).ToString("X4", CultureInfo.InvariantCulture)))})");
        }
    }

    [Test]
    public void ListsSortAsTheCultureComparerSortsThem()
    {
        string[] names =
        [
            "Ärzte für Menschenrechte", "Arzte ohne Grenzen", "L'Association", "La Strada", "Anti-Corruption Network", "Anticorruption Watch",
            "Société Générale", "Stichting Ø", "Øresund Forum", "Őrség", "Zentrum", "zentrum", "Wrocław Legal", "Wroclaw Law", "Straße 5",
            "Strasse 4", "l·lum", "llum", "Ĳssel", "IJssel", "ǅemal", "Ǆ", "São Paulo", "Sao Paulo", "100 Women", "2 Rivers", "", " ",
            "e\u0301cole", "école", "Ecole", "中文", "Ｆｕｌｌ", "Full", "\"Quoted\"", "<b>Bold</b>", "&amp;",
        ];
        var rows = names.Select((n, i) => new ListedRow(n, i % 3 == 0 ? null : $"City {names[^(i + 1)]}", null, "2026-01-01T00:00:00.0000000Z")).ToList();

        var sorted = SignatureStore.Sort(rows);

        var expected = rows.Select((r, i) => (r, i))
            .OrderBy(x => x.r.Organisation, SignatureStore.NameOrder).ThenBy(x => x.r.City ?? "", SignatureStore.NameOrder).ThenBy(x => x.i)
            .Select(x => x.r);
        Assert.That(sorted, Is.EqualTo(expected));
    }
}

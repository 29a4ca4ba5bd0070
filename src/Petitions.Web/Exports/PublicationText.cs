using System.Text;
using Petitions.Signatures;

namespace Petitions.Exports;

/// <summary>
/// The list of signatories as a delivered letter prints it: one "Name, City" line each, in the
/// order a person expects; optionally under a heading per country.
/// </summary>
public static class PublicationText
{
    public const string NoCountryHeading = "International and other";

    public static string Render(IReadOnlyList<PublicSignatory> signatories, bool groupByCountry)
    {
        var text = new StringBuilder();
        if (!groupByCountry)
        {
            foreach (var signatory in signatories)
            {
                text.Append(Line(signatory)).Append('\n');
            }

            return text.ToString();
        }

        var groups = signatories
            .GroupBy(s => s.CountryName)
            .OrderBy(g => g.Key is null)
            .ThenBy(g => g.Key ?? "", SignatureStore.NameOrder);
        foreach (var group in groups)
        {
            if (text.Length > 0)
            {
                text.Append('\n');
            }

            text.Append(group.Key ?? NoCountryHeading).Append('\n');
            foreach (var signatory in group)
            {
                text.Append(Line(signatory)).Append('\n');
            }
        }

        return text.ToString();
    }

    // The text is pasted into documents and spreadsheets: a line that would start a formula gets
    // the CSV's apostrophe, by the same rule (a name stored before the rules refused it, say).
    private static string Line(PublicSignatory signatory) => SignatoriesCsv.Neutralise(signatory.Line)!;
}

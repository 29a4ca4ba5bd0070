using Petitions.Exports;
using Petitions.Signatures;

namespace Petitions.Tests.Exports;

/// <summary>The publication text (the API's publication.txt and `export --format text`) escapes what a spreadsheet would run.</summary>
public class PublicationTextTests
{
    private static readonly DateTimeOffset Signed = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [TestCase("=HYPERLINK(\"http://x\")")]
    [TestCase("@SUM(A1)")]
    [TestCase("\uFF1Dcmd|' /C calc'!A0")]
    [TestCase("\uFF0B1")]
    [TestCase("\uFF0D1")]
    [TestCase("\uFF20SUM(A1)")]
    public void ALineStartingWithAFormulaTriggerGetsALeadingApostropheGroupedOrNot(string name)
    {
        PublicSignatory[] signatories = [new(name, "Oslo", "NO", "Norway", Signed), new("Plain Organisation", "Oslo", "NO", "Norway", Signed)];

        Assert.That(PublicationText.Render(signatories, groupByCountry: false), Is.EqualTo($"'{name}, Oslo\nPlain Organisation, Oslo\n"));
        Assert.That(PublicationText.Render(signatories, groupByCountry: true), Is.EqualTo($"Norway\n'{name}, Oslo\nPlain Organisation, Oslo\n"));
    }
}

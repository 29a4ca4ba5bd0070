using System.Text;
using Petitions.Organisations;

namespace Petitions.Tests.Organisations;

public class NamesTests
{
    [Test]
    public void ADecomposedNameHasTheSameKeyAsItsComposedForm() =>
        Assert.That(Names.OrganisationKey("Transparency International Česká republika".Normalize(NormalizationForm.FormD)),
            Is.EqualTo(Names.OrganisationKey("Transparency International Česká republika")));

    [Test]
    public void CapitalsDoNotMakeAnotherOrganisation() =>
        Assert.That(Names.OrganisationKey("FRONT LINE DEFENDERS"), Is.EqualTo(Names.OrganisationKey("Front Line Defenders")));

    [Test]
    public void FullWidthLettersFoldToTheirPlainForm() =>
        Assert.That(Names.OrganisationKey("Ｆａｉｒ Ｔｒｉａｌｓ"), Is.EqualTo(Names.OrganisationKey("Fair Trials")));

    [Test]
    public void AZeroWidthSpaceIsIgnored() =>
        Assert.That(Names.OrganisationKey("Fair\u200B Trials"), Is.EqualTo(Names.OrganisationKey("Fair Trials")));

    [TestCase("Bir-Duino Kyrgyzstan", "Bir Duino Kyrgyzstan")]
    [TestCase("Public Fund \"Ar.Ruh.Hak\"", "Public Fund Ar Ruh Hak")]
    [TestCase("Helsinki Citizens’ Assembly", "Helsinki Citizens' Assembly")]
    [TestCase("  Human   Rights\tClub ", "Human Rights Club")]
    public void PunctuationAndSpacingVariantsAreOneName(string one, string other) =>
        Assert.That(Names.OrganisationKey(one), Is.EqualTo(Names.OrganisationKey(other)));

    [Test]
    public void AccentsStillTellNamesApartButTheLooseKeyJoinsThem()
    {
        Assert.That(Names.OrganisationKey("Justiça Global"), Is.Not.EqualTo(Names.OrganisationKey("Justica Global")));
        Assert.That(Names.LooseKey("Justiça Global"), Is.EqualTo(Names.LooseKey("Justica Global")));
    }

    // Clean composes, removes invisible characters and collapses white space. Printable ASCII with
    // single inner spaces comes back as it was (a fast path); anything else goes the long way.
    [TestCase("  Justic\u0327a\u200B \t Global\r\n", "Justiça Global")]
    [TestCase("Amnesty International", "Amnesty International")]
    [TestCase("", "")]
    [TestCase(" ", "")]
    [TestCase("A  B", "A B")]
    [TestCase(" A B", "A B")]
    [TestCase("A B ", "A B")]
    [TestCase("A\tB", "A B")]
    [TestCase("A\u00A0B", "A B")]
    [TestCase("A\u00ADB", "AB")]
    [TestCase("A\u007FB", "A\u007FB")]
    [TestCase("A\u0001B", "A\u0001B")]
    [TestCase("Cafe\u0301 \U0001F600", "Caf\u00E9 \U0001F600")]
    public void CleanComposesRemovesInvisibleCharactersAndCollapsesWhiteSpace(string text, string cleaned) =>
        Assert.That(Names.Clean(text), Is.EqualTo(cleaned));

    [TestCase("St. Petersburg", "saint petersburg")]
    [TestCase("Wrocław", "wroclaw")]
    [TestCase("Chişinău", "chisinau")]
    [TestCase("Rio de Janeiro", "rio de janeiro")]
    [TestCase("Baku/ Tbilisi", "baku tbilisi")]
    public void PlaceKeysIgnoreAccentsCaseAndAbbreviations(string place, string key) =>
        Assert.That(Names.PlaceKey(place), Is.EqualTo(key));
}

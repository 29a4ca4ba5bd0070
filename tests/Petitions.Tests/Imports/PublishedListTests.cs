using System.Text;
using Petitions.Imports;

namespace Petitions.Tests.Imports;

/// <summary>Every quirk of the seed letter's list of supporting organisations, one test each.</summary>
public class PublishedListTests
{
    private static (string Name, string? City) Parse(string line)
    {
        var parsed = PublishedList.ParseLine(line);
        Assert.That(parsed, Is.Not.Null, line);
        return (parsed!.Name, parsed.City);
    }

    [Test]
    public void ALinkedNameIsFollowedByItsCity() =>
        Assert.That(Parse("[Article 19](#), London"), Is.EqualTo(("Article 19", (string?)"London")));

    [Test]
    public void ALineWithNoCityHasNone() =>
        Assert.That(Parse("[Amnesty International](#)"), Is.EqualTo(("Amnesty International", (string?)null)));

    [Test]
    public void EscapedParenthesesAreUnescaped() =>
        Assert.That(Parse(@"[International Federation for Human Rights \(FIDH\)](#)"),
            Is.EqualTo(("International Federation for Human Rights (FIDH)", (string?)null)));

    [Test]
    public void AnAcronymAfterTheLinkBelongsToTheName() =>
        Assert.That(Parse("[Asian Forum for Human Rights and Development](#) (FORUM-ASIA)"),
            Is.EqualTo(("Asian Forum for Human Rights and Development (FORUM-ASIA)", (string?)null)));

    [Test]
    public void AnAcronymAfterTheLinkIsFollowedByTheCity() =>
        Assert.That(Parse("[Center for the Judiciary Watch of the People's Solidarity for Participatory Democracy](#) (PSPD), Seoul"),
            Is.EqualTo(("Center for the Judiciary Watch of the People's Solidarity for Participatory Democracy (PSPD)", (string?)"Seoul")));

    [Test]
    public void TwoLinksOnOneLineAreOneOrganisation() =>
        Assert.That(Parse(@"[Netherlands Institute of Human Rights \(SIM\)](#), [Utrecht University](#), Utrecht"),
            Is.EqualTo(("Netherlands Institute of Human Rights (SIM), Utrecht University", (string?)"Utrecht")));

    [Test]
    public void ACountryWhereTheCityShouldBeIsReadAsThePlace() =>
        Assert.That(Parse("[Africa Network for Environment and Economic Justice](#), Benin"),
            Is.EqualTo(("Africa Network for Environment and Economic Justice", (string?)"Benin")));

    [Test]
    public void TwoCitiesAreKeptAsPrinted() =>
        Assert.That(Parse("Regional Center for Strategic Studies, Baku/ Tbilisi"),
            Is.EqualTo(("Regional Center for Strategic Studies", (string?)"Baku/ Tbilisi")));

    [Test]
    public void ALongDescriptorAfterTheLinkStaysWithTheName() =>
        Assert.That(Parse("[UNITED for Intercultural Action](#) the European network against nationalism, racism, fascism and in support of migrants, refugees and minorities, Budapest  "),
            Is.EqualTo(("UNITED for Intercultural Action the European network against nationalism, racism, fascism and in support of migrants, refugees and minorities", (string?)"Budapest")));

    [Test]
    public void ALineWithNoLinkIsReadToo() =>
        Assert.That(Parse("NGO \"Aru ana\", Aktobe"), Is.EqualTo(("NGO \"Aru ana\"", (string?)"Aktobe")));

    [Test]
    public void QuotesInsideALinkAreKept() =>
        Assert.That(Parse("[Collective Human Rights Defenders \"Laura Acosta\" International Organization COHURIDELA](#), Toronto"),
            Is.EqualTo(("Collective Human Rights Defenders \"Laura Acosta\" International Organization COHURIDELA", (string?)"Toronto")));

    [Test]
    public void ApostrophesAreKept() =>
        Assert.That(Parse("[Helsinki Citizens' Assembly Vanadzor](#), Yerevan"),
            Is.EqualTo(("Helsinki Citizens' Assembly Vanadzor", (string?)"Yerevan")));

    [Test]
    public void ACommaInsideTheLinkedNameIsNotTheCity() =>
        Assert.That(Parse("[Kosovo Center for Transparency, Accountability and Anti-Corruption - KUND 16](#), Prishtina"),
            Is.EqualTo(("Kosovo Center for Transparency, Accountability and Anti-Corruption - KUND 16", (string?)"Prishtina")));

    [TestCase("[Transparency International Česká republika](#), Prague", "Transparency International Česká republika")]
    [TestCase("[Transparency International España](#), Madrid", "Transparency International España")]
    [TestCase("[Justiça Global](#), Rio de Janeiro", "Justiça Global")]
    public void AccentedNamesArriveComposed(string line, string name)
    {
        var decomposed = line.Normalize(NormalizationForm.FormD);

        Assert.That(Parse(decomposed).Name, Is.EqualTo(name.Normalize(NormalizationForm.FormC)));
    }

    [Test]
    public void HardLineBreaksAndTrailingSpacesAreIgnored() =>
        Assert.That(Parse("[Citizen Watch](#), St. Petersburg  \r"), Is.EqualTo(("Citizen Watch", (string?)"St. Petersburg")));

    [TestCase("")]
    [TestCase("   ")]
    [TestCase("---")]
    [TestCase("**Supporting organisations:**")]
    [TestCase("## Signatories")]
    public void LinesThatHoldNoOrganisationAreSkipped(string line) =>
        Assert.That(PublishedList.ParseLine(line), Is.Null);

    [Test]
    public void ListMarkersAreNotPartOfTheName() =>
        Assert.That(Parse("- [Fair Trials](#), London"), Is.EqualTo(("Fair Trials", (string?)"London")));

    [Test]
    public void TheSeedListHoldsAHundredAndThirtyOrganisationsWithTheirLineNumbers()
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data", "seed", "iap-2017", "organisations.txt"));

        var organisations = PublishedList.Parse(text);

        Assert.That(organisations, Has.Count.EqualTo(130));
        Assert.That(organisations[0], Is.EqualTo(new ListedOrganisation(1, "Amnesty International", null)));
        Assert.That(organisations[^1], Is.EqualTo(new ListedOrganisation(130, "Zimbabwe Lawyers for Human Rights", "Harare")));
        Assert.That(organisations.Select(o => o.Name), Is.Unique);
    }
}

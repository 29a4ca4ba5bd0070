using Petitions.Imports;
using Petitions.Organisations;

namespace Petitions.Tests.Organisations;

public class LinkLikeTextTests
{
    [TestCase("Claim your prize at https://scam.example/1")]
    [TestCase("http://prize.example")]
    [TestCase("HTTPS://PRIZE.EXAMPLE")]
    [TestCase("Visit www.prize-now.example today")]
    [TestCase("WWW.Example.Org")]
    [TestCase("scam.example/1")]
    [TestCase("prize.com")]
    [TestCase("Prize.COM")]
    [TestCase("Free money at prize.xyz")]
    [TestCase("lowercase-host.ch")]
    [TestCase("Contact Prize.Ch:8080")]
    [TestCase("Prizes.Ch?win=1")]
    [TestCase("write to winner@prize.example")]
    [TestCase("mailto:winner@prize.example")]
    [TestCase("ｐｒｉｚｅ．ｃｏｍ")]
    [TestCase("prize。com")]
    [TestCase("ftp://files.example")]
    [TestCase("Go to //evil.example/x")]
    public void ANameThatCarriesALinkIsFlagged(string name)
    {
        Assert.That(LinkLikeText.LooksLikeLink(name), Is.True, name);
        Assert.That(LinkLikeText.MayBecomeLink(name), Is.True, name);
    }

    [TestCase("Amnesty International")]
    [TestCase("Front Line Defenders")]
    [TestCase("St. John's Ambulance")]
    [TestCase("U.S. Campaign for Palestinian Rights")]
    [TestCase("U.S.A. Friends of the Earth")]
    [TestCase("Citizen Watch")]
    [TestCase("Association Humanrights.ch")]
    [TestCase("Public Fund \"Ar.Ruh.Hak\"")]
    [TestCase("Netzwerk Selbsthilfe e.V.")]
    [TestCase("Dr. Smith Foundation")]
    [TestCase("Women: Rights and Voices")]
    [TestCase("Re:Action Collective")]
    [TestCase("Comité pour l'abolition des dettes illégitimes")]
    [TestCase("Правозащитный центр «Мемориал»")]
    [TestCase("No. 10 Action Group")]
    [TestCase("")]
    public void ARealOrganisationsNameIsNotFlagged(string name) =>
        Assert.That(LinkLikeText.LooksLikeLink(name), Is.False, name);

    [Test]
    public async Task NoneOfTheSeedLettersOrganisationsIsFlagged()
    {
        var seed = PublishedList.Parse(await File.ReadAllTextAsync(
            Path.Combine(AppContext.BaseDirectory, "data", "seed", "iap-2017", "organisations.txt")));

        Assert.That(seed, Has.Count.EqualTo(130));
        Assert.That(seed.Where(o => LinkLikeText.LooksLikeLink(o.Name) || LinkLikeText.LooksLikeLink(o.City)).Select(o => o.Name), Is.Empty);
    }

    [TestCase("Association Humanrights.ch", true)]
    [TestCase("Public Fund \"Ar.Ruh.Hak\"", true)]
    [TestCase("St. John's Ambulance", false)]
    [TestCase("U.S. Campaign for Palestinian Rights", false)]
    [TestCase("Amnesty International", false)]
    public void AnEmailRepeatsNoNameAMailProgramCouldTurnIntoALink(string name, bool withheld) =>
        Assert.That(LinkLikeText.MayBecomeLink(name), Is.EqualTo(withheld), name);
}

using System.Globalization;
using Petitions.Organisations;

namespace Petitions.Tests.Organisations;

/// <summary>The countries offered: every ISO 3166-1 code, named from ICU's data, not a hand-kept list.</summary>
public sealed class CountriesTests
{
    [Test]
    public void WesternSaharaAndKosovoAreOfferedWithTheirNames()
    {
        Assert.That(Countries.NameOf("EH"), Is.EqualTo("Western Sahara"));
        Assert.That(Countries.NameOf("XK"), Is.EqualTo("Kosovo"));
        Assert.That(Countries.IsCode("EH"), Is.True);
    }

    [Test]
    public void EveryAssignedCodeIsThereOnceWithAName()
    {
        var codes = Countries.All.Select(c => c.Code).ToList();

        // ISO 3166-1 has 249 officially assigned alpha-2 codes; XK is added.
        Assert.That(codes, Has.Count.EqualTo(250));
        Assert.That(codes, Is.Unique);
        Assert.That(codes, Has.All.Matches<string>(c => c.Length == 2 && c.All(char.IsAsciiLetterUpper)));
        Assert.That(Countries.All.Select(c => c.Name), Has.None.Empty);
        Assert.That(codes, Does.Not.Contain("ZZ").And.Not.Contain("EU").And.Not.Contain("QO"), "no unknown region, union or outlying group");
    }

    [Test]
    public void WhereDotNetKnowsARegionItsEnglishNameIsTheSame()
    {
        foreach (var country in Countries.All)
        {
            RegionInfo region;
            try
            {
                region = new RegionInfo(country.Code);
            }
            catch (ArgumentException)
            {
                continue;
            }

            Assert.That(country.Name, Is.EqualTo(region.EnglishName), country.Code);
        }
    }

    [Test]
    public void TheListIsSortedAsAReaderExpects()
    {
        var order = StringComparer.Create(CultureInfo.GetCultureInfo("en"), CompareOptions.IgnoreCase | CompareOptions.IgnoreNonSpace);
        Assert.That(Countries.All.Select(c => c.Name), Is.Ordered.Using((IComparer<string>)order));
        Assert.That(Countries.All.Select(c => c.Name).Take(2), Is.EqualTo(new[] { "Afghanistan", "Åland Islands" }));
    }
}

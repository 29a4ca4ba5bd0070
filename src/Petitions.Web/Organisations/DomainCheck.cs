using System.Globalization;

namespace Petitions.Organisations;

/// <summary>
/// Whether the person signing writes from the organisation's own domain: the email's domain is
/// the website's host or a subdomain of it, or the other way round (www.hrw.org and hrw.org).
/// Free-mail addresses never verify anything.
/// </summary>
public static class DomainCheck
{
    public const string Verified = "domain-verified";
    public const string Mismatch = "domain-mismatch";

    private static readonly HashSet<string> FreeMail = new(StringComparer.Ordinal)
    {
        "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de", "ymail.com", "hotmail.com",
        "hotmail.co.uk", "hotmail.fr", "hotmail.de", "outlook.com", "live.com", "msn.com", "aol.com", "icloud.com", "me.com",
        "mac.com", "mail.ru", "inbox.ru", "list.ru", "bk.ru", "yandex.ru", "yandex.com", "ya.ru", "rambler.ru", "ukr.net",
        "proton.me", "protonmail.com", "pm.me", "tutanota.com", "tuta.io", "gmx.com", "gmx.net", "gmx.de", "web.de",
        "qq.com", "163.com", "126.com", "sina.com", "zoho.com", "mail.com", "email.com", "fastmail.com", "hey.com",
        "rediffmail.com", "yahoo.co.in", "naver.com", "daum.net", "seznam.cz", "wp.pl", "o2.pl", "interia.pl", "libero.it",
        "orange.fr", "free.fr", "laposte.net", "t-online.de", "abv.bg", "posteo.de", "riseup.net",
    };

    public static string Check(string email, string? website)
    {
        var mailDomain = global::Petitions.Signatures.EmailAddress.Domain(email);
        if (FreeMail.Contains(mailDomain) || website is null || !Uri.TryCreate(website, UriKind.Absolute, out var uri))
        {
            return Mismatch;
        }

        string siteDomain;
        try
        {
            siteDomain = new IdnMapping().GetAscii(uri.Host.TrimEnd('.')).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return Mismatch;
        }

        siteDomain = siteDomain.StartsWith("www.", StringComparison.Ordinal) ? siteDomain[4..] : siteDomain;
        var related = mailDomain == siteDomain
            || mailDomain.EndsWith("." + siteDomain, StringComparison.Ordinal)
            || siteDomain.EndsWith("." + mailDomain, StringComparison.Ordinal);
        // A bare public suffix ("org", "co.uk") shares a tail with everything: it must have a dot and not be free mail.
        return related && mailDomain.Contains('.', StringComparison.Ordinal) && siteDomain.Contains('.', StringComparison.Ordinal)
            ? Verified
            : Mismatch;
    }
}

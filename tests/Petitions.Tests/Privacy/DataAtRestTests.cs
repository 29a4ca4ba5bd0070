using Dapper;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Net.Http.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using Petitions.Data;
using Petitions.Privacy;
using Petitions.Tests.Support;

namespace Petitions.Tests.Privacy;

/// <summary>What the service leaves on disk: who may read it, how long it stays, and what erasure removes.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class DataAtRestTests
{
    private const UnixFileMode OwnerFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerFolder = OwnerFile | UnixFileMode.UserExecute;

    [Test]
    public async Task EveryFileAndFolderIsTheServiceUsersAloneAfterStartAndAfterABackup()
    {
        using var directory = new TempDirectory();
        var data = directory.File("data");
        using var app = new PetitionsApp(Path.Combine(data, "petitions.db"), new Dictionary<string, string?>
        {
            ["Mail:PickupDirectory"] = Path.Combine(data, "mail"),
            ["Petitions:KeysDirectory"] = Path.Combine(data, "keys"),
        });
        using var client = app.CreateClient();
        using (var _ = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("Modes Organisation", "modes@modes.example.org")))
        {
        }

        Assert.That(await Delivered.MessagesAsync(app), Is.Not.Empty);
        // A key file is written when something is first protected.
        app.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("modes").Protect("written");
        var backups = directory.File("backups");
        await Backup.CopyToAsync(app.Db, Path.Combine(backups, "petitions-backup.db"));

        var checkedFiles = new List<string>();
        var open = new List<string>();
        foreach (var root in new[] { data, backups })
        {
            foreach (var folder in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories).Prepend(root))
            {
                Expect(folder, OwnerFolder);
            }

            foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
            {
                Expect(file, OwnerFile);
                checkedFiles.Add(Path.GetRelativePath(directory.Path, file));
            }
        }

        Assert.That(open, Is.Empty, "open to other local users");

        // The files that matter were there to be checked.
        Assert.That(checkedFiles, Does.Contain(Path.Combine("backups", "petitions-backup.db")));
        if (!TestDatabase.IsPostgres)
        {
            // PostgreSQL's files are the server's, in its own folder; SQLite's are the service's.
            Assert.That(checkedFiles, Does.Contain(Path.Combine("data", "petitions.db")).And.Contain(Path.Combine("data", "petitions.db-wal"))
                .And.Contain(Path.Combine("data", "petitions.db-shm")));
        }

        Assert.That(checkedFiles.Count(f => f.StartsWith(Path.Combine("data", "mail"), StringComparison.Ordinal)), Is.Positive);
        if (TestDatabase.IsPostgres)
        {
            // On PostgreSQL the key ring is a table, so that every node reads the same keys.
            await using var connection = await app.Db.OpenAsync();
            Assert.That(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM data_protection_keys"), Is.Positive);
        }
        else
        {
            Assert.That(checkedFiles.Count(f => f.StartsWith(Path.Combine("data", "keys"), StringComparison.Ordinal)), Is.Positive);
        }

        void Expect(string path, UnixFileMode mode)
        {
            if (File.GetUnixFileMode(path) != mode)
            {
                open.Add($"{Path.GetRelativePath(directory.Path, path)} {Convert.ToString((int)File.GetUnixFileMode(path), 8)}");
            }
        }
    }

    [Test]
    public async Task FilesLeftOpenByAnOlderVersionAreNarrowedAtStart()
    {
        using var directory = new TempDirectory();
        var database = directory.File("petitions.db");
        var mail = directory.File("mail");
        using (var first = new PetitionsApp(database, new Dictionary<string, string?> { ["Mail:PickupDirectory"] = mail }))
        {
            using var client = first.CreateClient();
            using (var _ = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("Old Modes Organisation", "old@modes.example.org")))
            {
            }

            await Delivered.MessagesAsync(first);
        }

        const UnixFileMode wideFile = OwnerFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        const UnixFileMode wideFolder = OwnerFolder | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        var widened = Directory.GetFiles(mail).Concat(TestDatabase.IsPostgres ? [] : [database]).ToList();
        widened.ForEach(file => File.SetUnixFileMode(file, wideFile));
        File.SetUnixFileMode(mail, wideFolder);

        using var second = new PetitionsApp(database, new Dictionary<string, string?> { ["Mail:PickupDirectory"] = mail });
        using (var client = second.CreateClient())
        {
        }

        Assert.That(File.GetUnixFileMode(mail), Is.EqualTo(OwnerFolder));
        Assert.That(widened.Select(File.GetUnixFileMode), Is.All.EqualTo(OwnerFile));
    }

    [Test]
    public async Task SentEmailsArePrunedFromThePickupFolderAfterTheRetentionPeriod()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var app = new PetitionsApp(services: s => s.AddSingleton<TimeProvider>(clock));
        using var client = app.CreateClient();
        using (var _ = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("Prune Organisation", "prune@prune.example.org")))
        {
        }

        Assert.That(await Delivered.MessagesAsync(app), Has.Count.EqualTo(1));
        var pickup = app.Services.GetRequiredService<PickupFolder>();

        clock.Advance(TimeSpan.FromDays(6));
        Assert.That(pickup.Prune(), Is.Zero, "six days: within the default week");
        Assert.That(Directory.GetFiles(app.PickupDirectory), Has.Length.EqualTo(1));

        clock.Advance(TimeSpan.FromDays(2));
        // The app's own hourly run on the same clock may prune it first: either way it is gone.
        Assert.That(pickup.Prune(), Is.InRange(0, 1));
        Assert.That(Directory.GetFiles(app.PickupDirectory), Is.Empty);
    }

    [Test]
    public async Task ErasureDeletesEveryPickupFileThatNamesTheAddressAFurtherContactsToo()
    {
        const string erased = "erased.person@erase-files.example.org";
        using var app = new PetitionsApp();
        using var client = app.CreateClient();
        // The erased person: a further contact of one organisation and the contact of another.
        using (var _ = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("Files Kept Organisation", "kept@erase-files.example.org")))
        {
        }

        using (var _ = await client.PostAsJsonAsync("/api/confirmations", new { token = (await Delivered.TokensAsync(app))[0] }))
        {
        }

        using (var _ = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("Files Kept Organisation", erased)))
        {
        }

        using (var _ = await SignOnClient.PostJsonAsync(client, SignOnClient.ValidJson("Files Erased Organisation", erased)))
        {
        }

        var messages = await Delivered.MessagesAsync(app);
        Assert.That(messages.Count(m => m.To.Mailboxes.Any(b => b.Address == erased)), Is.EqualTo(2), "a further contact's and a contact's confirmation");
        // A message cut short by a crash mid-write, under its temporary name.
        var someone = Directory.GetFiles(app.PickupDirectory, "*.eml").First(f => File.ReadAllText(f).Contains(erased, StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(app.PickupDirectory, "crashed.eml.tmp"), File.ReadAllText(someone)[..^10]);

        var result = await app.Services.GetRequiredService<Erasure>().EraseAsync(erased.ToUpperInvariant());

        Assert.That(result.Files, Is.EqualTo(3));
        var left = Directory.GetFiles(app.PickupDirectory, "*", SearchOption.AllDirectories);
        Assert.That(left.Where(f => File.ReadAllText(f).Contains(erased, StringComparison.OrdinalIgnoreCase)), Is.Empty);
        Assert.That(left.Select(f => MimeMessage.Load(f).To.Mailboxes.Single().Address), Has.Member("kept@erase-files.example.org"), "other people's mail stays");
    }

    [Test]
    public async Task KeysAreEncryptedAtRestWhenACertificateIsConfigured()
    {
        using var directory = new TempDirectory();
        var pfx = directory.File("keys.pfx");
        using (var rsa = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=petitions-keys-test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
            File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pfx, "pfx-password"));
        }

        var keys = directory.File("keys");
        var settings = new Dictionary<string, string?>
        {
            ["Petitions:KeysDirectory"] = keys,
            ["Petitions:KeysCertificate"] = pfx,
            ["Petitions:KeysCertificatePassword"] = "pfx-password",
        };
        var logs = new CapturedLogs();
        string protectedText;
        List<string> xml;
        using (var app = new PetitionsApp(settings: settings, services: s => s.AddSingleton<ILoggerProvider>(logs)))
        {
            protectedText = app.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("keys-test").Protect("a secret");
            if (TestDatabase.IsPostgres)
            {
                // The key ring is a table on PostgreSQL; the next start is another node on the same database.
                await using var connection = await app.Db.OpenAsync();
                xml = (await connection.QueryAsync<string>("SELECT xml FROM data_protection_keys")).ToList();
                settings["Database:Provider"] = "postgres";
                settings["ConnectionStrings:Petitions"] = app.Db.ConnectionString;
            }
            else
            {
                xml = Directory.GetFiles(keys, "*.xml").Select(File.ReadAllText).ToList();
            }
        }

        Assert.That(xml, Is.Not.Empty);
        Assert.That(xml, Is.All.Contains("EncryptedData").And.All.Not.Contains("<value>"));
        Assert.That(logs.Lines, Has.None.Contains("Petitions:KeysCertificate"), "no warning when the keys are encrypted");

        // Another start with the same certificate reads them back.
        using var again = new PetitionsApp(settings: settings);
        Assert.That(again.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("keys-test").Unprotect(protectedText), Is.EqualTo("a secret"));
    }

    [Test]
    public void WithoutACertificateTheStartUpWarningSaysHowToEncryptTheKeys()
    {
        var logs = new CapturedLogs();
        using var app = new PetitionsApp(services: s => s.AddSingleton<ILoggerProvider>(logs));
        using (var _ = app.CreateClient())
        {
        }

        Assert.That(logs.Lines.Where(l => l.StartsWith("Warning", StringComparison.Ordinal)),
            Has.Some.Contains("Petitions:KeysCertificate").And.Some.Contains("Petitions:KeysCertificatePassword").And.Some.Contains("openssl pkcs12 -export"));
    }
}

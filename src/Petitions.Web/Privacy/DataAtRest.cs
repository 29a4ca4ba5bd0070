using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using Dapper;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Petitions.Data;
using Petitions.Email;

namespace Petitions.Privacy;

/// <summary>
/// Where the service keeps secrets and personal data on disk, and how they are protected there: the
/// Data Protection keys (which sign sign-in cookies and antiforgery tokens) in a 0700 folder,
/// encrypted with <c>Petitions:KeysCertificate</c> when one is configured. On PostgreSQL the key ring
/// is the <c>data_protection_keys</c> table instead, so every node signs and reads with the same keys.
/// </summary>
public static class DataAtRest
{
    public const string KeysCertificateKey = "Petitions:KeysCertificate";
    public const string KeysCertificatePasswordKey = "Petitions:KeysCertificatePassword";

    /// <summary>What the start-up warning says when the keys are stored unencrypted.</summary>
    public const string UnencryptedKeysWarning =
        "The Data Protection keys in {KeysDirectory} (they sign coordinators' sign-in cookies and antiforgery tokens) are stored " +
        "unencrypted; anyone who can read them can forge a coordinator's session. To encrypt them at rest, set " +
        "Petitions:KeysCertificate to the path of a .pfx file holding a certificate and its private key, and " +
        "Petitions:KeysCertificatePassword to its password (environment: Petitions__KeysCertificate, Petitions__KeysCertificatePassword). " +
        "To make one: openssl req -x509 -newkey rsa:3072 -sha256 -days 3650 -nodes -subj /CN=petitions-keys -keyout keys.key -out keys.crt " +
        "&& openssl pkcs12 -export -inkey keys.key -in keys.crt -out keys.pfx && rm keys.key. Keys written before it was set stay " +
        "unencrypted until they expire (90 days).";

    public static string KeysDirectory(IConfiguration configuration) =>
        Path.GetFullPath(configuration["Petitions:KeysDirectory"] is { Length: > 0 } keys ? keys : "data/keys");

    /// <summary>Data Protection with its keys in a 0700 folder, each key file 0600, encrypted when a certificate is configured.</summary>
    public static IServiceCollection AddPetitionsDataProtection(this IServiceCollection services, IConfiguration configuration)
    {
        var keys = KeysDirectory(configuration);
        PrivateFiles.OwnFolder(keys);
        var builder = services.AddDataProtection()
            .SetApplicationName("Petitions")
            .PersistKeysToFileSystem(new DirectoryInfo(keys));
        if (configuration[KeysCertificateKey] is { Length: > 0 } path)
        {
            builder.ProtectKeysWithCertificate(LoadCertificate(path, configuration[KeysCertificatePasswordKey]));
        }

        // After the folder's repository, so it replaces it; the certificate still encrypts what is stored.
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(options =>
        {
            if (sp.GetRequiredService<Db>() is { IsPostgres: true } db)
            {
                options.XmlRepository = new DatabaseKeyRing(db, sp.GetRequiredService<TimeProvider>());
            }
        }));

        services.AddHostedService<StartupCheck>();
        return services;
    }

    /// <summary>The key ring in the database every node shares: one row per key, its XML as Data Protection wrote it.</summary>
    private sealed class DatabaseKeyRing(Db db, TimeProvider clock) : IXmlRepository
    {
        // Data Protection calls these synchronously, rarely (start-up, a key's rotation, an unknown key's id).
        public IReadOnlyCollection<XElement> GetAllElements()
        {
            using var connection = db.OpenAsync().GetAwaiter().GetResult();
            return connection.Query<string>("SELECT xml FROM data_protection_keys ORDER BY created_at, name")
                .Select(xml => XElement.Parse(xml)).ToList();
        }

        public void StoreElement(XElement element, string friendlyName)
        {
            using var connection = db.OpenAsync().GetAwaiter().GetResult();
            // A key's name is its id: two nodes never store the same key twice.
            connection.Execute("""
                INSERT INTO data_protection_keys (name, xml, created_at) VALUES (@name, @xml, @at)
                ON CONFLICT (name) DO NOTHING
                """, new { name = friendlyName, xml = element.ToString(SaveOptions.DisableFormatting), at = Time.Format(clock.GetUtcNow()) });
        }
    }

    private static X509Certificate2 LoadCertificate(string path, string? password)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(Path.GetFullPath(path), password);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new InvalidOperationException(
                $"{KeysCertificateKey} '{path}' cannot be read as a .pfx file with {KeysCertificatePasswordKey}: {exception.Message}", exception);
        }

        if (!certificate.HasPrivateKey)
        {
            throw new InvalidOperationException($"{KeysCertificateKey} '{path}' holds no private key: the keys could be encrypted but never read back.");
        }

        return certificate;
    }

    /// <summary>
    /// At start-up: narrows what an older version (or a wide umask) left open to others, and says
    /// what it cannot fix: a database folder others can enter, keys stored unencrypted.
    /// </summary>
    private sealed class StartupCheck(IConfiguration configuration, Db db, IOptions<MailOptions> mail, ILogger<StartupCheck> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            var keys = db.IsPostgres ? "the database's data_protection_keys table" : KeysDirectory(configuration);
            if (string.IsNullOrEmpty(configuration[KeysCertificateKey]))
            {
                logger.LogWarning(UnencryptedKeysWarning, keys);
            }

            var wide = new List<string>();
            foreach (var key in !db.IsPostgres && Directory.Exists(keys) ? Directory.EnumerateFiles(keys) : [])
            {
                Narrow(key, PrivateFiles.FileMode, wide);
            }

            var pickup = Path.GetFullPath(mail.Value.PickupDirectory);
            if (Directory.Exists(pickup))
            {
                Narrow(pickup, PrivateFiles.FolderMode, wide);
                foreach (var file in Directory.EnumerateFiles(pickup))
                {
                    Narrow(file, PrivateFiles.FileMode, wide);
                }
            }

            var source = db.IsPostgres ? null : new SqliteConnectionStringBuilder(db.ConnectionString).DataSource;
            if (!string.IsNullOrEmpty(source) && !source.StartsWith("file:", StringComparison.Ordinal) && source != ":memory:")
            {
                var database = Path.GetFullPath(source);
                foreach (var file in Db.Files(database))
                {
                    Narrow(file, PrivateFiles.FileMode, wide);
                }

                // The database's folder may be one the operator shares on purpose: reported, not changed.
                if (Path.GetDirectoryName(database) is { } folder && PrivateFiles.IsOpenToOthers(folder))
                {
                    logger.LogWarning(
                        "The database's folder {Folder} is open to other local users (mode {Mode}); `chmod 700` it so they cannot list or copy its files.",
                        folder, Mode(folder));
                }
            }

            foreach (var path in wide)
            {
                logger.LogWarning("{Path} is open to other local users (mode {Mode}) and could not be narrowed; `chmod go-rwx` it.", path, Mode(path));
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        private static void Narrow(string path, UnixFileMode mode, List<string> failed)
        {
            if (!PrivateFiles.Narrow(path, mode))
            {
                failed.Add(path);
            }
        }

        private static string Mode(string path) =>
            OperatingSystem.IsWindows() ? "" : Convert.ToString((int)File.GetUnixFileMode(path), 8);
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MimeKit;

namespace Petitions.Tests.Support;

/// <summary>
/// A real SMTP server on 127.0.0.1 (tests/smtp/smtp_server.py, run by Debian's python3 with
/// python3-aiosmtpd) that stores what it accepts and can be told to fail.
/// </summary>
/// <example>
/// <code>
/// await using var smtp = await SmtpServer.StartNewAsync();
/// // configure the app with Smtp:Host = smtp.Host, Smtp:Port = smtp.Port, Smtp:Security = None
/// smtp.SetMode(SmtpMode.TempFail);
/// var mails = await smtp.WaitForMessagesAsync(1, TimeSpan.FromSeconds(10));
/// </code>
/// </example>
public sealed class SmtpServer : IAsyncDisposable
{
    private const string PythonPath = "/usr/bin/python3";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    private static readonly Lazy<string> Script = new(FindScript);

    private readonly TempDirectory directory = new();
    private readonly StringBuilder log = new();
    private Process? process;
    private bool disposed;

    public SmtpServer()
    {
        MailDirectory = directory.File("mail");
        ControlFile = directory.File("control");
        Directory.CreateDirectory(MailDirectory);
    }

    /// <summary>Always the loopback address: the server listens nowhere else.</summary>
    public string Host { get; } = "127.0.0.1";

    /// <summary>The port, drawn at the first start and kept by every later start; 0 before.</summary>
    public int Port { get; private set; }

    public bool IsRunning => process is not null;

    /// <summary>Where accepted messages land: one <c>.eml</c> (the DATA) and one <c>.json</c> (the envelope) each.</summary>
    public string MailDirectory { get; }

    /// <summary>The file the server reads at every command; see <see cref="SetMode"/>.</summary>
    public string ControlFile { get; }

    /// <summary>What the server wrote on standard error so far (aiosmtpd's warnings and tracebacks).</summary>
    public string Log
    {
        get
        {
            lock (log)
            {
                return log.ToString();
            }
        }
    }

    /// <summary>
    /// Every AUTH a client attempted, as one JSON line each (mechanism, login, password): the server
    /// offers AUTH without TLS and accepts any credentials, so a test sees what a client gave away.
    /// </summary>
    public IReadOnlyList<string> Authentications =>
        File.Exists(directory.File("auth.jsonl")) ? File.ReadAllLines(directory.File("auth.jsonl")) : [];

    /// <summary>The accepted messages, oldest first.</summary>
    public IReadOnlyList<ReceivedMail> Messages =>
        Directory.EnumerateFiles(MailDirectory, "*.eml").Order(StringComparer.Ordinal).Select(ReadMail).ToList();

    /// <summary>A new server, listening.</summary>
    /// <summary>The app's settings for sending to this server, plus <paramref name="more"/>.</summary>
    public Dictionary<string, string?> AppSettings(params (string Key, string? Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Smtp:Host"] = Host,
            ["Smtp:Port"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Smtp:Security"] = "None",
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    public static async Task<SmtpServer> StartNewAsync(CancellationToken cancellationToken = default)
    {
        var server = new SmtpServer();
        try
        {
            await server.StartAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts the server: on a free port the first time, on the same <see cref="Port"/> after
    /// <see cref="StopAsync"/>. Returns once it accepts connections.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (process is not null)
        {
            throw new InvalidOperationException($"The SMTP server is already running on port {Port}.");
        }

        var deadline = DateTime.UtcNow + StartTimeout;
        var samePort = Port != 0;
        while (true)
        {
            // The first port is drawn below Linux's ephemeral range (32768-60999), so no outgoing
            // connection can take it while the server is stopped and it is there for the restart.
            var port = samePort ? Port : Random.Shared.Next(20_000, 32_768);
            var (outcome, detail) = await TryStartAsync(port, cancellationToken);
            if (outcome == StartOutcome.Ready)
            {
                return;
            }

            // A taken port: draw another, or wait for the old one to be released.
            if (outcome != StartOutcome.PortInUse || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException(
                    $"The test SMTP server did not start (it needs {PythonPath} with Debian's python3-aiosmtpd: " +
                    $"apt-get install -y python3-aiosmtpd). {detail}");
            }

            if (samePort)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
            }
        }
    }

    /// <summary>Kills the server: until <see cref="StartAsync"/>, connections to its port are refused.</summary>
    public async Task StopAsync()
    {
        if (process is { } running)
        {
            process = null;
            await KillAsync(running);
            running.Dispose();
        }
    }

    /// <summary>
    /// How the server answers from its next command on: <c>accept</c>, <c>tempfail</c> (451 to MAIL
    /// FROM and DATA), <c>permfail</c> (550 to RCPT TO), <c>drop-after-data</c> (reads the message,
    /// stores nothing, closes without replying) or <c>slow:&lt;seconds&gt;</c>; see <see cref="SmtpMode"/>.
    /// </summary>
    public void SetMode(string mode)
    {
        ArgumentNullException.ThrowIfNull(mode);
        if (!SmtpMode.IsValid(mode))
        {
            throw new ArgumentException($"Unknown SMTP server mode '{mode}'.", nameof(mode));
        }

        // Written whole and renamed, so the server never reads half a mode.
        var temporary = ControlFile + ".tmp";
        File.WriteAllText(temporary, mode);
        File.Move(temporary, ControlFile, overwrite: true);
    }

    /// <summary>Waits until at least <paramref name="count"/> messages arrived and returns them all.</summary>
    /// <exception cref="TimeoutException">Fewer arrived in time.</exception>
    public async Task<IReadOnlyList<ReceivedMail>> WaitForMessagesAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var messages = Messages;
            if (messages.Count >= count)
            {
                return messages;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(
                    $"Expected {count} message(s) at the test SMTP server within {timeout}, got {messages.Count}. Server log:\n{Log}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }

    /// <summary>Forgets every message received so far.</summary>
    public void ClearMessages()
    {
        foreach (var file in Directory.EnumerateFiles(MailDirectory))
        {
            File.Delete(file);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        await StopAsync();
        directory.Dispose();
    }

    /// <summary>Starts one server process on <paramref name="port"/>.</summary>
    private async Task<(StartOutcome Outcome, string Detail)> TryStartAsync(int port, CancellationToken cancellationToken)
    {
        if (!File.Exists(PythonPath))
        {
            return (StartOutcome.Failed, $"{PythonPath} does not exist.");
        }

        var info = new ProcessStartInfo(PythonPath)
        {
            UseShellExecute = false,
            RedirectStandardInput = true, // kept open: the server exits when it closes, so it never outlives the tests
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
        {
            "-u", Script.Value,
            "--port", port.ToString(CultureInfo.InvariantCulture),
            "--maildir", MailDirectory,
            "--control", ControlFile,
            "--exit-on-stdin-eof",
        })
        {
            info.ArgumentList.Add(argument);
        }

        var started = new Process { StartInfo = info };
        started.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (log)
                {
                    log.AppendLine(e.Data);
                }
            }
        };
        var logBefore = Log.Length;
        started.Start();
        started.BeginErrorReadLine();

        string? line;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(StartTimeout);
            try
            {
                line = await started.StandardOutput.ReadLineAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                line = null;
            }
            catch
            {
                await KillAsync(started);
                started.Dispose();
                throw;
            }
        }

        if (line == $"READY {port}")
        {
            Port = port;
            process = started;
            return (StartOutcome.Ready, "");
        }

        await KillAsync(started);
        started.Dispose();
        return line == $"IN-USE {port}"
            ? (StartOutcome.PortInUse, $"Port {port} is taken.")
            : (StartOutcome.Failed, $"It printed '{line}' instead of 'READY {port}'; standard error: {Log[logBefore..]}");
    }

    private enum StartOutcome
    {
        Ready,
        PortInUse,
        Failed,
    }

    private static async Task KillAsync(Process running)
    {
        try
        {
            running.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It has already exited.
        }

        await running.WaitForExitAsync();
    }

    private static ReceivedMail ReadMail(string emlPath)
    {
        var raw = File.ReadAllBytes(emlPath);
        using var envelope = JsonDocument.Parse(File.ReadAllBytes(Path.ChangeExtension(emlPath, ".json")));
        var mailFrom = envelope.RootElement.GetProperty("mail_from").GetString() ?? "";
        var recipients = envelope.RootElement.GetProperty("rcpt_tos").EnumerateArray()
            .Select(recipient => recipient.GetString() ?? "")
            .ToList();
        using var stream = new MemoryStream(raw, writable: false);
        return new ReceivedMail(Path.GetFileName(emlPath), Encoding.UTF8.GetString(raw), MimeMessage.Load(stream), mailFrom, recipients);
    }

    private static string FindScript()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Petitions.sln")))
            {
                return Path.Combine(folder.FullName, "tests", "smtp", "smtp_server.py");
            }
        }

        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds Petitions.sln, so tests/smtp/smtp_server.py cannot be found.");
    }
}

/// <summary>One message the test SMTP server accepted.</summary>
/// <param name="FileName">Its <c>.eml</c> file in <see cref="SmtpServer.MailDirectory"/>.</param>
/// <param name="Raw">The DATA exactly as sent (dot-unstuffed), read as UTF-8.</param>
/// <param name="Message">The DATA parsed.</param>
/// <param name="MailFrom">The envelope sender (MAIL FROM).</param>
/// <param name="Recipients">The envelope recipients (RCPT TO), Bcc included.</param>
public sealed record ReceivedMail(string FileName, string Raw, MimeMessage Message, string MailFrom, IReadOnlyList<string> Recipients);

/// <summary>The modes of <see cref="SmtpServer.SetMode"/>.</summary>
public static class SmtpMode
{
    /// <summary>Accept every message (the default).</summary>
    public const string Accept = "accept";

    /// <summary>451 4.3.0 to MAIL FROM and to DATA.</summary>
    public const string TempFail = "tempfail";

    /// <summary>550 5.1.1 to every RCPT TO.</summary>
    public const string PermFail = "permfail";

    /// <summary>Read the message, store nothing, close the connection without replying.</summary>
    public const string DropAfterData = "drop-after-data";

    /// <summary>
    /// Wait before answering DATA, then accept. A client that disconnects meanwhile leaves nothing stored.
    /// </summary>
    public static string Slow(TimeSpan delay) =>
        "slow:" + delay.TotalSeconds.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Like <see cref="DropAfterData"/> for every <paramref name="n"/>-th DATA (counted over all
    /// connections since the server started); the others are accepted.
    /// </summary>
    public static string DropEvery(int n) => "drop-every:" + n.ToString(CultureInfo.InvariantCulture);

    public static bool IsValid(string mode) =>
        mode is Accept or TempFail or PermFail or DropAfterData
        || (mode.StartsWith("slow:", StringComparison.Ordinal)
            && double.TryParse(mode.AsSpan("slow:".Length), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            && seconds >= 0)
        || (mode.StartsWith("drop-every:", StringComparison.Ordinal)
            && int.TryParse(mode.AsSpan("drop-every:".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            && n > 0);
}

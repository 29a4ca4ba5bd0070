using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Petitions.Bench;

/// <summary>
/// A real SMTP server for the benchmarks, on 127.0.0.1: the same maildir as tests/smtp/smtp_server.py
/// (whose docstring describes it) but fast enough not to be what B6 measures. That one is a single
/// Python thread writing two files per message and takes a few hundred messages a second; this one
/// serves every connection concurrently.
/// </summary>
/// <remarks>
/// <para>
/// Speaks RFC 5321 as far as a client of ours needs: EHLO (advertising PIPELINING, 8BITMIME,
/// SMTPUTF8 and SIZE) or HELO, MAIL FROM, RCPT TO, DATA with dot-unstuffing, RSET, NOOP, VRFY, HELP
/// and QUIT, with 503 for commands out of sequence and 500/501 for unknown commands and bad syntax.
/// Replies to pipelined commands are sent together once the buffered input is consumed.
/// </para>
/// <para>
/// Every accepted message becomes two files, each written whole under a temporary name and renamed:
/// &lt;name&gt;.json with the envelope ({"mail_from": ..., "rcpt_tos": [...]}), first, then &lt;name&gt;.eml
/// with the DATA as received (dot-unstuffed, without the final "."), before the 250 reply. The names
/// sort by arrival: nanoseconds since 1970, the process id and a sequence number.
/// </para>
/// Prints "READY &lt;port&gt;" once it listens, or "IN-USE &lt;port&gt;" and exits with 3 when the port is taken;
/// runs until it is killed or, with --exit-on-stdin-eof true, until its standard input closes.
/// </remarks>
public static class SmtpSink
{
    private const int MaxCommandLine = 4096;
    private const int MaxMessageBytes = 32 * 1024 * 1024;
    private static readonly int ProcessId = Environment.ProcessId;
    private static long sequence = -1;

    public static async Task<int> RunAsync(Options options)
    {
        var port = (int)options.Count("port", 0);
        var maildir = Path.GetFullPath(options.Required("maildir"));
        Directory.CreateDirectory(maildir);
        var listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            listener.Start(1024);
        }
        catch (SocketException exception) when (exception.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            Console.WriteLine($"IN-USE {port}");
            return 3;
        }

        Console.WriteLine($"READY {((IPEndPoint)listener.LocalEndpoint).Port}");
        Console.Out.Flush();
        if (options.Optional("exit-on-stdin-eof") == "true")
        {
            _ = Task.Run(async () =>
            {
                await Console.OpenStandardInput().CopyToAsync(Stream.Null);
                Environment.Exit(0);
            });
        }

        while (true)
        {
            var socket = await listener.AcceptSocketAsync();
            socket.NoDelay = true;
            _ = Task.Run(() => ServeAsync(socket, maildir));
        }
    }

    private static async Task ServeAsync(Socket socket, string maildir)
    {
        try
        {
            await using var stream = new NetworkStream(socket, ownsSocket: true);
            var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 65536));
            var session = new Session(maildir);
            await stream.WriteAsync("220 localhost ESMTP Petitions bench sink\r\n"u8.ToArray());
            while (!session.Closing)
            {
                var read = await reader.ReadAsync();
                var buffer = read.Buffer;
                while (!session.Closing && TryReadLine(ref buffer, out var line))
                {
                    session.Line(line);
                }

                if (session.Output.WrittenCount > 0)
                {
                    await stream.WriteAsync(session.Output.WrittenMemory);
                    session.Output.ResetWrittenCount();
                }

                if (session.LineTooLong(buffer.Length))
                {
                    await stream.WriteAsync("500 5.5.2 Line too long\r\n"u8.ToArray());
                    break;
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (read.IsCompleted)
                {
                    break;
                }
            }

            await reader.CompleteAsync();
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException)
        {
            // The client went away: whatever it had not finished is not stored.
        }
    }

    private static bool TryReadLine(ref ReadOnlySequence<byte> buffer, out byte[] line)
    {
        var end = buffer.PositionOf((byte)'\n');
        if (end is null)
        {
            line = [];
            return false;
        }

        var next = buffer.GetPosition(1, end.Value);
        line = buffer.Slice(0, next).ToArray(); // with its line ending
        buffer = buffer.Slice(next);
        return true;
    }

    private sealed class Session(string maildir)
    {
        private readonly List<string> recipients = [];
        private readonly ArrayBufferWriter<byte> data = new();
        private bool greeted;
        private string? mailFrom;
        private bool inData;
        private bool tooBig;

        public ArrayBufferWriter<byte> Output { get; } = new();

        public bool Closing { get; private set; }

        public bool LineTooLong(long buffered) => buffered > (inData ? MaxMessageBytes : MaxCommandLine);

        public void Line(byte[] line)
        {
            if (inData)
            {
                DataLine(line);
                return;
            }

            var text = Encoding.UTF8.GetString(line).TrimEnd('\r', '\n');
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            var verb = (space < 0 ? text : text[..space]).ToUpperInvariant();
            var argument = space < 0 ? "" : text[(space + 1)..].Trim();
            switch (verb)
            {
                case "EHLO" when argument.Length > 0:
                    Reset();
                    greeted = true;
                    Reply("250-localhost\r\n250-SIZE 33554432\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 PIPELINING");
                    break;
                case "HELO" when argument.Length > 0:
                    Reset();
                    greeted = true;
                    Reply("250 localhost");
                    break;
                case "EHLO" or "HELO":
                    Reply($"501 5.5.4 Syntax: {verb} hostname");
                    break;
                case "MAIL":
                    if (!greeted)
                    {
                        Reply("503 5.5.1 Error: send HELO first");
                    }
                    else if (mailFrom is not null)
                    {
                        Reply("503 5.5.1 Error: nested MAIL command");
                    }
                    else if (Address(argument, "FROM:") is { } from)
                    {
                        mailFrom = from;
                        Reply("250 OK");
                    }
                    else
                    {
                        Reply("501 5.5.4 Syntax: MAIL FROM:<address>");
                    }

                    break;
                case "RCPT":
                    if (mailFrom is null)
                    {
                        Reply("503 5.5.1 Error: need MAIL command");
                    }
                    else if (Address(argument, "TO:") is { Length: > 0 } to)
                    {
                        recipients.Add(to);
                        Reply("250 OK");
                    }
                    else
                    {
                        Reply("501 5.5.4 Syntax: RCPT TO:<address>");
                    }

                    break;
                case "DATA" when argument.Length > 0:
                    Reply("501 5.5.4 Syntax: DATA");
                    break;
                case "DATA":
                    if (recipients.Count == 0)
                    {
                        Reply("503 5.5.1 Error: need RCPT command");
                    }
                    else
                    {
                        inData = true;
                        Reply("354 End data with <CR><LF>.<CR><LF>");
                    }

                    break;
                case "RSET":
                    Reset();
                    Reply("250 OK");
                    break;
                case "NOOP":
                    Reply("250 OK");
                    break;
                case "VRFY":
                    Reply("252 Cannot VRFY user, but will accept message and attempt delivery");
                    break;
                case "HELP":
                    Reply("250 Supported commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY");
                    break;
                case "QUIT":
                    Reply("221 Bye");
                    Closing = true;
                    break;
                default:
                    Reply($"500 Error: command \"{verb}\" not recognized");
                    break;
            }
        }

        private void DataLine(byte[] line)
        {
            if (line is [(byte)'.', (byte)'\r', (byte)'\n'] or [(byte)'.', (byte)'\n'])
            {
                inData = false;
                if (tooBig)
                {
                    Reply("552 5.3.4 Error: too much mail data");
                }
                else
                {
                    Store();
                    Reply("250 2.0.0 OK");
                }

                Reset();
                return;
            }

            // Dot-unstuffing: a line the client began with an extra "." loses it.
            var content = line.AsSpan(line.Length > 0 && line[0] == (byte)'.' ? 1 : 0);
            if (data.WrittenCount + content.Length > MaxMessageBytes)
            {
                tooBig = true;
                return;
            }

            data.Write(content);
        }

        private void Store()
        {
            var nanoseconds = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;
            var name = $"{nanoseconds:D20}-{ProcessId}-{Interlocked.Increment(ref sequence):D6}";
            var envelope = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
            {
                ["mail_from"] = mailFrom ?? "",
                ["rcpt_tos"] = recipients.ToArray(),
            });
            Write(name + ".json", envelope);
            Write(name + ".eml", data.WrittenSpan);
        }

        private void Write(string fileName, ReadOnlySpan<byte> bytes)
        {
            var final = Path.Combine(maildir, fileName);
            var temporary = Path.Combine(maildir, "." + fileName + ".tmp");
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                file.Write(bytes);
            }

            File.Move(temporary, final, overwrite: true);
        }

        private void Reset()
        {
            mailFrom = null;
            recipients.Clear();
            data.ResetWrittenCount();
            inData = false;
            tooBig = false;
        }

        private void Reply(string reply) => Output.Write(Encoding.ASCII.GetBytes(reply + "\r\n"));

        /// <summary>"FROM:&lt;a@b&gt; PARAM=..." → "a@b"; null when it is not of that form.</summary>
        private static string? Address(string argument, string prefix)
        {
            if (!argument.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            var rest = argument[prefix.Length..].TrimStart();
            if (!rest.StartsWith('<'))
            {
                return null;
            }

            var close = rest.IndexOf('>', StringComparison.Ordinal);
            return close < 0 ? null : rest[1..close];
        }
    }
}

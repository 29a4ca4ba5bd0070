namespace Petitions.Exports;

/// <summary>
/// A write-only stream for an output that takes only asynchronous writes, as an HTTP response
/// does. .NET's ZipArchive, under SpreadCheetah, still writes a few bytes synchronously when it
/// closes an entry (a data descriptor) or the archive: those wait here and go out, in order,
/// with the next asynchronous write or flush. The data itself passes straight through.
/// Disposing it leaves <c>inner</c> open and what waits still writable: the archive closes
/// its stream before the last flush.
/// </summary>
public sealed class AsyncWritesStream(Stream inner) : Stream
{
    private readonly MemoryStream pending = new();

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>How many bytes wait for an asynchronous write; a test watches that it stays small.</summary>
    public long Pending => pending.Length;

    public override void Write(byte[] buffer, int offset, int count) => pending.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => pending.Write(buffer);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await WritePendingAsync(cancellationToken);
        await inner.WriteAsync(buffer, cancellationToken);
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await WritePendingAsync(cancellationToken);
        await inner.FlushAsync(cancellationToken);
    }

    // Flush is called synchronously on dispose paths too; what waits goes out with FlushAsync.
    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private async ValueTask WritePendingAsync(CancellationToken cancellationToken)
    {
        if (pending.Length == 0)
        {
            return;
        }

        await inner.WriteAsync(pending.GetBuffer().AsMemory(0, (int)pending.Length), cancellationToken);
        pending.SetLength(0);
    }
}

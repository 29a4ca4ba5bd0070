namespace Petitions.Tests.Support;

/// <summary>
/// A write-only stream that keeps nothing: it counts the bytes and the largest single write. With
/// <see cref="AsynchronousOnly"/> it refuses synchronous writes, as Kestrel's response body does.
/// </summary>
public sealed class CountingStream : Stream
{
    private long length;

    public bool AsynchronousOnly { get; init; }

    public long LargestWrite { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => Interlocked.Read(ref length);

    public override long Position
    {
        get => Length;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (AsynchronousOnly)
        {
            throw new InvalidOperationException("Synchronous operations are disallowed.");
        }

        Count(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Count(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Count(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void Flush()
    {
        if (AsynchronousOnly)
        {
            throw new InvalidOperationException("Synchronous operations are disallowed.");
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private void Count(ReadOnlySpan<byte> buffer)
    {
        Interlocked.Add(ref length, buffer.Length);
        LargestWrite = Math.Max(LargestWrite, buffer.Length);
    }
}

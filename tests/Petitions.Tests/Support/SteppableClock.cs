namespace Petitions.Tests.Support;

/// <summary>A wall clock that can be stepped backwards, as NTP or an operator can step a real one.</summary>
public sealed class SteppableClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset now = start;

    public override DateTimeOffset GetUtcNow() => now;

    public void Set(DateTimeOffset time) => now = time;
}

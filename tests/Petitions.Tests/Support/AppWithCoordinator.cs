using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Petitions.Tests.Support;

/// <summary>Each test gets its own app on a fresh database, a visitor, and a coordinator of every letter.</summary>
public abstract class AppWithCoordinator
{
#pragma warning disable CA1051 // The tests read these as the fixture's own fields, as they did before the base class.
    protected PetitionsApp app = null!;
    protected HttpClient coordinator = null!;
    protected HttpClient visitor = null!;
#pragma warning restore CA1051

    [SetUp]
    public async Task StartApp()
    {
        app = new PetitionsApp();
        visitor = app.CreateClient(new() { AllowAutoRedirect = false });
        coordinator = await Coordinator.ClientAsync(app);
    }

    [TearDown]
    public void StopApp()
    {
        coordinator.Dispose();
        visitor.Dispose();
        app.Dispose();
    }
}

/// <summary>
/// As <see cref="AppWithCoordinator"/>, on a fake clock that starts at <paramref name="start"/>: for what is due
/// at a time (digests, retries, openings), moved on by the test.
/// </summary>
public abstract class ClockedAppWithCoordinator(DateTimeOffset start)
{
#pragma warning disable CA1051 // The tests read these as the fixture's own fields.
    protected FakeTimeProvider clock = null!;
    protected PetitionsApp app = null!;
    protected HttpClient coordinator = null!;
    protected HttpClient visitor = null!;
#pragma warning restore CA1051

    /// <summary>Configuration the app starts with, beside the tests' own.</summary>
    protected virtual IDictionary<string, string?>? Settings => null;

    [SetUp]
    public async Task StartClockedApp()
    {
        clock = new FakeTimeProvider(start);
        app = new PetitionsApp(settings: Settings, services: s => s.AddSingleton<TimeProvider>(clock));
        visitor = app.CreateClient(new() { AllowAutoRedirect = false });
        coordinator = await Coordinator.ClientAsync(app);
    }

    [TearDown]
    public void StopClockedApp()
    {
        coordinator.Dispose();
        visitor.Dispose();
        app.Dispose();
    }
}

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

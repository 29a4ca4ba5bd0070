using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Petitions.Data;
using Petitions.Organisations;
using Petitions.Signatures;
using Petitions.Tests.Support;

namespace Petitions.Tests.Signatures;

/// <summary>
/// The one way a sign-on and an import create what they write: an organisation found or made by
/// one rule, and a signature whose first status comes from the state table like every later one.
/// </summary>
public class CreationTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 2, 9, 30, 0, TimeSpan.Zero);

    private PetitionsApp app = null!;

    [SetUp]
    public async Task StartApp()
    {
        app = new PetitionsApp();
        app.CreateClient().Dispose();
        await Coordinator.AddLetterAsync(app, "creation-a");
        await Coordinator.AddLetterAsync(app, "creation-b");
    }

    [TearDown]
    public void StopApp() => app.Dispose();

    [Test]
    public void OnlyTheSignOnAndTheImportsCreateASignatureAndEachGivesItsOwnFirstStatus()
    {
        var creating = Enum.GetValues<SignatureAction>().Where(SignatureStatus.Creates).ToList();

        Assert.That(creating, Is.EquivalentTo(new[]
        {
            SignatureAction.Sign, SignatureAction.Import, SignatureAction.ImportForReview, SignatureAction.ImportWithdrawn,
        }));
        Assert.That(creating.Select(SignatureStatus.TargetOf), Is.EqualTo(new[]
        {
            SignatureStatus.Pending, SignatureStatus.Listed, SignatureStatus.Confirmed, SignatureStatus.Withdrawn,
        }));
        Assert.That(creating.SelectMany(a => SignatureStatus.All.Where(from => SignatureStatus.CanApply(a, from))), Is.Empty);
    }

    [Test]
    public async Task AnActionThatCreatesASignatureCannotMoveOneThatExists()
    {
        await using var connection = await app.Db.OpenAsync();
        using var transaction = connection.BeginTransaction();
        var signatureId = Create(connection, transaction, "creation-a", "Existing Organisation", SignatureAction.ImportForReview);

        Assert.ThrowsAsync<IllegalTransitionException>(() => SignatureStore.ApplyAsync(
            connection, transaction, app.Services.GetRequiredService<ListChanges>(), signatureId, SignatureAction.Import, "import", null, Now));
        Assert.Throws<ArgumentException>(() => Create(connection, transaction, "creation-a", "Approved Organisation", SignatureAction.Approve));
    }

    [Test]
    public async Task AnImportedSignatureIsStampedForTheStatusItsActionGives()
    {
        await using var connection = await app.Db.OpenAsync();
        using var transaction = connection.BeginTransaction();
        var withdrawnAt = Now.AddDays(-3);
        var listed = Create(connection, transaction, "creation-a", "Listed Organisation", SignatureAction.Import);
        var review = Create(connection, transaction, "creation-a", "Review Organisation", SignatureAction.ImportForReview);
        var withdrawn = Create(connection, transaction, "creation-a", "Withdrawn Organisation", SignatureAction.ImportWithdrawn,
            withdrawnAt, "We merged with another.");
        var signed = Create(connection, transaction, "creation-a", "Signed Organisation", SignatureAction.Sign);

        var rows = (await connection.QueryAsync<(long Id, string Status, string? ConfirmedAt, string? ListedAt, string? WithdrawnAt, string? Reason)>(
            "SELECT id, status, confirmed_at, listed_at, withdrawn_at, withdrawal_reason FROM signatures", transaction: transaction))
            .ToDictionary(r => r.Id);
        var at = Time.Format(Now);

        Assert.That(rows[listed], Is.EqualTo((listed, "listed", (string?)at, (string?)at, (string?)null, (string?)null)));
        Assert.That(rows[review], Is.EqualTo((review, "confirmed", (string?)at, (string?)null, (string?)null, (string?)null)));
        Assert.That(rows[withdrawn], Is.EqualTo((withdrawn, "withdrawn", (string?)at, (string?)null, (string?)Time.Format(withdrawnAt),
            (string?)"We merged with another.")));
        Assert.That(rows[signed], Is.EqualTo((signed, "pending", (string?)null, (string?)null, (string?)null, (string?)null)));
        var events = await connection.QueryAsync<(string Kind, string To)>(
            $"SELECT kind, to_status FROM events WHERE signature_id {SqlLists.In(connection, "@ids")} ORDER BY signature_id",
            new { ids = new[] { listed, review, withdrawn, signed } }, transaction);
        Assert.That(events, Is.EqualTo(new[] { ("imported", "listed"), ("imported", "confirmed"), ("imported", "withdrawn"), ("signed", "pending") }));
    }

    [Test]
    public async Task OnlyAnImportFillsInTheCountryOfAnOrganisationOnNoOtherLetter()
    {
        await using var connection = await app.Db.OpenAsync();
        using var transaction = connection.BeginTransaction();
        var (countryless, _) = OrganisationStore.FindOrCreate(connection, transaction, OrganisationDraft.Of("Fjord Trust", null, null, null), Now);
        var letterA = PetitionId(connection, transaction, "creation-a");

        var (signedOn, signOnCreated) = OrganisationStore.FindOrCreate(connection, transaction, OrganisationDraft.Of("Fjord Trust", "Oslo", "NO", null), Now);
        var (again, againCreated) = OrganisationStore.FindOrCreate(connection, transaction, OrganisationDraft.Of("FJORD  trust", "Oslo", "NO", null), Now);

        Assert.That((signOnCreated, againCreated, again), Is.EqualTo((true, false, signedOn)), "a sign-on makes its own row, then finds it");
        Assert.That(Country(connection, transaction, countryless), Is.Null, "a sign-on changed an organisation that exists");

        var (imported, importCreated) = OrganisationStore.FindOrCreate(
            connection, transaction, OrganisationDraft.Of("Fjord Trust", "Bergen", "SE", null), Now, importingInto: letterA);
        Assert.That(importCreated, Is.True, "two organisations of the name: the import cannot tell which to fill in");

        var (lone, _) = OrganisationStore.FindOrCreate(connection, transaction, OrganisationDraft.Of("Lone Society", null, null, null), Now);
        var (filled, filledCreated) = OrganisationStore.FindOrCreate(
            connection, transaction, OrganisationDraft.Of("Lone Society", "Oslo", "NO", null), Now, importingInto: letterA);
        Assert.That((filled, filledCreated, Country(connection, transaction, lone)), Is.EqualTo((lone, false, (string?)"NO")));
        Assert.That(imported, Is.Not.EqualTo(countryless));
    }

    [Test]
    public async Task AnImportGivesThisLetterItsOwnRowWhenTheCountrylessOrganisationSignsAnother()
    {
        await using var connection = await app.Db.OpenAsync();
        using var transaction = connection.BeginTransaction();
        var onB = Create(connection, transaction, "creation-b", "Shared Collective", SignatureAction.Import, country: null);
        var sharedId = connection.ExecuteScalar<long>("SELECT organisation_id FROM signatures WHERE id = @onB", new { onB }, transaction);

        var (forA, created) = OrganisationStore.FindOrCreate(connection, transaction,
            OrganisationDraft.Of("Shared Collective", "Oslo", "NO", null), Now, importingInto: PetitionId(connection, transaction, "creation-a"));

        Assert.That((created, forA == sharedId, Country(connection, transaction, sharedId)), Is.EqualTo((true, false, (string?)null)));
    }

    private static long Create(
        DbConnection connection, DbTransaction transaction, string slug, string name, SignatureAction action,
        DateTimeOffset? withdrawnAt = null, string? reason = null, string? country = "NO")
    {
        var (organisationId, _) = OrganisationStore.FindOrCreate(connection, transaction, OrganisationDraft.Of(name, "Oslo", country, null), Now);
        return SignatureStore.Create(connection, transaction,
            new SignatureDraft(PetitionId(connection, transaction, slug), organisationId, "import", "", "Kari", null, null, null, Now)
            {
                WithdrawnAt = withdrawnAt, WithdrawalReason = reason,
            },
            action, "import", null, Now);
    }

    private static long PetitionId(DbConnection connection, DbTransaction transaction, string slug) =>
        connection.ExecuteScalar<long>("SELECT id FROM petitions WHERE slug = @slug", new { slug }, transaction);

    private static string? Country(DbConnection connection, DbTransaction transaction, long organisationId) =>
        connection.ExecuteScalar<string?>("SELECT country FROM organisations WHERE id = @organisationId", new { organisationId }, transaction);
}

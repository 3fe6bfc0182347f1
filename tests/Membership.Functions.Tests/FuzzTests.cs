using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using Membership.Service;
using Membership.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Membership.Functions.Tests;

/// <summary>
/// Fuzzing of every endpoint's input with FsCheck generators (<see cref="FuzzMatrixCases"/>, <see cref="FuzzAdminCases"/>,
/// <see cref="FuzzFederationCases"/>), sampled with a fixed seed (<c>MEMBERSHIP_FUZZ_SEED</c> overrides it). For
/// every case: never a 5xx, the surface's envelope (Matrix <c>{errcode,error}</c> JSON; Tencent envelope, HTTP 200),
/// a refusal wherever the input is invalid, no "Unhandled failure" nor storage error in the app's log; and after each
/// batch the fuzz room's stored state (head, ETag, member rows, event count, per-user index, alias) is unchanged.
/// </summary>
public sealed class FuzzTests(FuzzHost host, ITestOutputHelper output) : IClassFixture<FuzzHost>
{
    private const int Parallelism = 8;

    /// <summary>Cases per endpoint are the catalogue's counts times this (<c>MEMBERSHIP_FUZZ_SCALE</c> overrides it).</summary>
    private static readonly int Scale = int.TryParse(Environment.GetEnvironmentVariable("MEMBERSHIP_FUZZ_SCALE"), CultureInfo.InvariantCulture, out var scale) ? scale : 3;

    private static readonly ulong Seed = ulong.TryParse(Environment.GetEnvironmentVariable("MEMBERSHIP_FUZZ_SEED"), CultureInfo.InvariantCulture, out var seed) ? seed : 20250614UL;

    [Fact]
    public async Task EveryClientServerEndpointAnswersMalformedInputWithAMatrixErrorAndChangesNothing()
    {
        await RunAsync("client-server", FuzzMatrixCases.All(host.World));

        // The sandbox took the legal but odd user IDs (Table-forbidden and control characters): its rows, log and
        // per-user index still agree, so those IDs went through the key encoding and back intact.
        Assert.True(await LoadInvariants.AssertRoomConsistentAsync(host.Services, host.World.Sandbox, host.World.UserIds));
        output.WriteLine($"sandbox: {(await host.Services.GetRequiredService<MembershipStore>().ReadMembersAsync(host.World.Sandbox)).Count} member rows consistent with its log and index");
    }

    [Fact]
    public Task EveryAdminCommandAnswersMalformedInputWithATencentErrorAndChangesNothing() =>
        RunAsync("admin", FuzzAdminCases.All(host.World));

    [Fact]
    public async Task EveryFederationEndpointAnswersMalformedInputWithAMatrixErrorAndStoresNoInvite()
    {
        var results = await RunAsync("federation", FuzzFederationCases.All(host.Remote));

        // The controls got through (so the signed cases really reached the invite checks) ...
        var controls = results.Where(r => r.Case.Kind == "signed:valid").ToList();
        Assert.True(controls.Count >= 10 && controls.All(r => r.Status == 200), string.Join("\n", controls.Where(r => r.Status != 200).Select(r => $"{r.Outcome} <- {r.Case}")));

        // ... and no refused invite left a stub room behind.
        var store = host.Services.GetRequiredService<MembershipStore>();
        var refused = results.Where(r => r.Case.RemoteRoom is not null && r.Status != 200).Select(r => r.Case.RemoteRoom!).Distinct(StringComparer.Ordinal).ToList();
        var stored = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(refused, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (room, cancellationToken) =>
        {
            if (await store.ReadRoomAsync(room, [], cancellationToken) is not null)
            {
                stored.Add(room);
            }
        });
        Assert.True(stored.IsEmpty, "refused invites left rooms behind: " + string.Join(", ", stored));

        output.WriteLine($"{refused.Count} refused signed invites checked: none stored");
    }

    private async Task<IReadOnlyList<Result>> RunAsync(string surface, IReadOnlyList<(string Endpoint, Gen<FuzzCase> Gen, int Count)> catalog)
    {
        var cases = new List<FuzzCase>();
        for (var i = 0; i < catalog.Count; i++)
        {
            cases.AddRange(Gen.Sample(catalog[i].Gen, catalog[i].Count * Scale, new Rnd(Seed + (ulong)i), 20));
        }

        var logBefore = host.Log.Entries.Count;
        var before = await SnapshotAsync();
        var results = new ConcurrentBag<Result>();
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (c, cancellationToken) =>
            results.Add(await SendAsync(c, cancellationToken)));
        var after = await SnapshotAsync();

        // The report: how many cases, per endpoint and per answer.
        output.WriteLine($"{surface}: {cases.Count} cases (seed {Seed}, scale {Scale}) over {catalog.Select(e => e.Endpoint).Distinct(StringComparer.Ordinal).Count()} endpoints");
        foreach (var group in results.GroupBy(r => r.Case.Endpoint).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var statuses = string.Join(" ", group.GroupBy(r => r.Outcome).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}x{g.Count()}"));
            output.WriteLine($"  {group.Key,-40} {group.Count(),5}  {statuses}");
        }

        var problems = results.Where(r => r.Problem is not null).ToList();
        Assert.True(problems.Count == 0, $"{problems.Count} of {cases.Count} cases failed:\n" + string.Join("\n", problems.Take(40).Select(p => $"{p.Problem}  <-  {p.Case}")));

        var logged = host.Log.Entries.Skip(logBefore).Where(e => e.Level >= LogLevel.Error).ToList();
        Assert.True(logged.Count == 0, "the app logged errors:\n" + string.Join("\n", logged.Take(20)));
        Assert.Equal(before, after);
        return [.. results];
    }

    private async Task<Result> SendAsync(FuzzCase c, CancellationToken cancellationToken)
    {
        HttpRequestMessage request;
        try
        {
            request = new HttpRequestMessage(c.Method, c.Target);
        }
        catch (UriFormatException ex)
        {
            return new Result(c, 0, "unsendable", $"the test could not form the request: {ex.Message}");
        }

        using (request)
        {
            foreach (var header in c.Headers.GroupBy(h => h.Key, StringComparer.OrdinalIgnoreCase))
            {
                request.Headers.TryAddWithoutValidation(header.Key, header.Select(h => h.Value));
            }

            if (c.Body is not null)
            {
                request.Content = new ByteArrayContent(c.Body);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            }

            try
            {
                using var response = await host.Http.SendAsync(request, cancellationToken);
                var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                var status = (int)response.StatusCode;
                var (outcome, problem) = Check(c, status, response.Content.Headers.ContentType?.MediaType, bytes);
                return new Result(c, status, outcome, problem);
            }
            catch (HttpRequestException ex)
            {
                return new Result(c, 0, "no-answer", $"no HTTP answer: {ex.Message}");
            }
        }
    }

    /// <summary>What a case got (for the report) and what is wrong with it, if anything.</summary>
    private static (string Outcome, string? Problem) Check(FuzzCase c, int status, string? mediaType, byte[] bytes)
    {
        // Kestrel answers a NUL in the path itself, before the app (and its envelopes) see the request.
        if (status == 400 && bytes.Length == 0 && c.HasNulInPath)
        {
            return ("400 (Kestrel: NUL in path)", null);
        }

        JsonNode? json;
        try
        {
            json = bytes.Length == 0 ? null : JsonNode.Parse(bytes);
        }
        catch (JsonException)
        {
            return ($"{status}", $"{status} with a body that is not JSON: {Encoding.UTF8.GetString(bytes.AsSpan(0, Math.Min(bytes.Length, 200)))}");
        }

        if (c.IsAdmin)
        {
            if (json is not JsonObject envelope
                || (string?)envelope["ActionStatus"] is not { } action || action is not ("OK" or "FAIL")
                || envelope["ErrorCode"] is not JsonValue codeValue || !codeValue.TryGetValue(out int code)
                || envelope["ErrorInfo"] is not JsonValue info || info.GetValueKind() != JsonValueKind.String
                || ((string?)envelope["RequestId"])?.StartsWith("Id-", StringComparison.Ordinal) != true)
            {
                return ($"{status}", $"HTTP {status} without the Tencent envelope: {json?.ToJsonString()}");
            }

            var outcome = code.ToString(CultureInfo.InvariantCulture);
            return status != 200 ? (outcome, $"HTTP {status} (admin answers are always 200)")
                : (code == 0) != (action == "OK") ? (outcome, "ActionStatus and ErrorCode disagree")
                : code == 100001 ? (outcome, "storage failure (100001) on storage that is up")
                : c.MustReject && code == 0 ? (outcome, "invalid input was accepted")
                : (outcome, null);
        }

        var matrixOutcome = status.ToString(CultureInfo.InvariantCulture) + (json is JsonObject { } o && o["errcode"] is JsonValue e ? " " + (string?)e : string.Empty);
        if (status >= 500)
        {
            return (matrixOutcome, $"{status}: {json?.ToJsonString()}");
        }

        if (mediaType != "application/json")
        {
            return (matrixOutcome, $"{status} with content type {mediaType}");
        }

        if (status == 200)
        {
            return c.MustReject ? (matrixOutcome, $"invalid input was accepted: {json?.ToJsonString()}") : (matrixOutcome, json is null ? "200 without a body" : null);
        }

        return status < 400
            ? (matrixOutcome, $"unexpected status {status}")
            : json is JsonObject error && ((string?)error["errcode"])?.StartsWith("M_", StringComparison.Ordinal) == true && !string.IsNullOrEmpty((string?)error["error"])
                ? (matrixOutcome, null)
                : (matrixOutcome, $"{status} without the Matrix error envelope: {json?.ToJsonString()}");
    }

    /// <summary>The fuzz room as stored, and what no refused request may have made (the room and alias createRoom would claim).</summary>
    private async Task<string> SnapshotAsync()
    {
        var w = host.World;
        var store = host.Services.GetRequiredService<MembershipStore>();
        var index = host.Services.GetRequiredService<UserIndex>();
        var text = new StringBuilder();
        var read = (await store.ReadRoomAsync(w.Victim, users: null))!;
        var head = read.Head;
        text.AppendLine(CultureInfo.InvariantCulture, $"head {head.Seq} {head.ETag} {head.LastEventId} joined={head.JoinedCount} invited={head.InvitedCount} destroyed={head.DestroyedAt} max={head.MaxMembers}");
        text.AppendLine(CultureInfo.InvariantCulture, $"state {head.Name} {head.PowerLevelsContent} {head.JoinRulesContent} {head.AdminInfo}");
        foreach (var member in read.Members.Values.OrderBy(m => m.UserId, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"member {member.UserId} {member.Membership} {member.EventId} {member.Seq} {member.Content} {member.AdminInfo} {member.Forgotten}");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"events {(await store.ReadEventsAsync(w.Victim, 1, long.MaxValue)).Count}");
        foreach (var user in w.UserIds.Append("@fzfresh:" + FuzzInputs.Server))
        {
            await index.WaitForUserAsync(user);
            var rooms = (await store.ReadUserRoomsAsync(user)).Where(r => r.RoomId == w.Victim);
            text.AppendLine(CultureInfo.InvariantCulture, $"index {user} {string.Join(",", rooms.Select(r => $"{r.Membership}@{r.Seq}"))}");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"alias {await store.ResolveAliasAsync(w.Alias)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"created {await store.ReadRoomAsync("!fzcreated:" + FuzzInputs.Server, []) is not null} {await store.ResolveAliasAsync("#fzcreated:" + FuzzInputs.Server)}");
        return text.ToString();
    }

    private sealed record Result(FuzzCase Case, int Status, string Outcome, string? Problem);
}

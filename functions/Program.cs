using System.Runtime.CompilerServices;
using Membership.Functions.Hosting;

// The room-membership service: Matrix client-server, Matrix federation and Tencent-style admin surfaces over one
// Table Storage store. One binary, three ways to run (docs/architecture.md, "Hosting"): isolated worker under the
// Functions host, custom handler under the Functions host (the Native AOT package), or plain Kestrel.
// ./publish.sh --aot: the custom-handler package's function.json files and host.json, derived from the function table.
if (args is [CustomHandlerPackage.Command, var directory, var hostJson])
{
    CustomHandlerPackage.Write(directory, await File.ReadAllTextAsync(hostJson));
    return 0;
}

try
{
    var mode = HostingModes.Detect(args);
    if (mode == HostingMode.Worker)
    {
        // The isolated worker cannot be compiled ahead of time; the trimmer removes this branch from the AOT build.
        if (RuntimeFeature.IsDynamicCodeSupported)
        {
            return await WorkerHost.RunAsync(args);
        }

        await Console.Error.WriteLineAsync("This is the Native AOT build (the custom-handler package); run the isolated worker from the ReadyToRun package (./publish.sh).");
        return 1;
    }

    var app = MembershipApp.Build(args);
    app.StartPreparingStorage();
    await app.RunAsync();
    return 0;
}
catch (UnresolvedSecretReferenceException ex)
{
    // One clear line in the Functions host's log rather than a stack trace; the host reports the exit.
    await Console.Error.WriteLineAsync(ex.Message);
    return 1;
}

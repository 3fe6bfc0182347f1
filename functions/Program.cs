using Membership.Functions.Hosting;

// The room-membership service: Matrix client-server, Matrix federation and Tencent-style admin surfaces over one
// Table Storage store. Runs on Kestrel locally and as the custom handler of an Azure Functions app.
WebApplication app;
try
{
    app = MembershipApp.Build(args);
}
catch (UnresolvedSecretReferenceException ex)
{
    // One clear line in the Functions host's log rather than a stack trace; the host reports the exit.
    await Console.Error.WriteLineAsync(ex.Message);
    return 1;
}

// Tables are created in the background (idempotent; tolerant of storage being down).
app.StartPreparingStorage();

await app.RunAsync();
return 0;

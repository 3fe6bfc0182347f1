using Membership.Functions.Hosting;

// The room-membership service: Matrix client-server, Matrix federation and Tencent-style admin surfaces over one
// Table Storage store. Runs on Kestrel locally and as the custom handler of an Azure Functions app.
var app = MembershipApp.Build(args);

// Tables exist before the first request (idempotent; tolerant of storage being down).
await app.PrepareStorageAsync();

await app.RunAsync();

using System.Diagnostics.CodeAnalysis;
using Azure.Data.Tables;

// The smallest app that answers one request with one storage read: the yardstick for the service's cold start
// (DESIGN.md §10). Configured like the service: FUNCTIONS_CUSTOMHANDLER_PORT and Membership__Storage__*.
KeepTableEntityConstructor();
var builder = WebApplication.CreateSlimBuilder(args);
var port = Environment.GetEnvironmentVariable("FUNCTIONS_CUSTOMHANDLER_PORT") ?? "8008";
builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
var connection = builder.Configuration["Membership:Storage:ConnectionString"] ?? "UseDevelopmentStorage=true";
var table = (builder.Configuration["Membership:Storage:TablePrefix"] ?? string.Empty) + "tokens";
var client = new TableClient(connection, table);

var app = builder.Build();

// One point read of a row the harness wrote beforehand (as the service's first whoami reads its token's row).
app.MapGet("/probe", (RequestDelegate)(async http =>
{
    var row = await client.GetEntityIfExistsAsync<TableEntity>("probe", string.Empty, cancellationToken: http.RequestAborted);
    await http.Response.WriteAsync(row.HasValue ? "found" : "absent", http.RequestAborted);
}));
await app.RunAsync();

// Under Native AOT, GetEntityIfExistsAsync<TableEntity> creates the entity with Activator.CreateInstance<T>(); without
// this the compiler drops TableEntity's parameterless constructor and the read throws MissingMethodException.
[DynamicDependency(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor, typeof(TableEntity))]
static void KeepTableEntityConstructor()
{
}

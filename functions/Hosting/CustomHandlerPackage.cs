using System.Text.Json.Nodes;

namespace Membership.Functions.Hosting;

/// <summary>
/// The Functions host files of the custom-handler package (the Native AOT build), derived from the function table: one
/// <c>{Function}/function.json</c> per function with its trigger as declared, and <c>host.json</c> with the
/// <c>customHandler</c> section that starts this binary (the isolated worker package's host.json has none). Written by
/// <c>./publish.sh --aot</c> (<c>membership --write-custom-handler-files DIR</c>); never kept in the repository.
/// </summary>
internal static class CustomHandlerPackage
{
    public const string Command = "--write-custom-handler-files";

    private static readonly System.Text.Json.JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static void Write(string directory, string workerHostJson)
    {
        Directory.CreateDirectory(directory);
        foreach (var function in FunctionTable.Http)
        {
            Save(Path.Combine(directory, function.Name, "function.json"), new JsonObject
            {
                ["bindings"] = new JsonArray(
                    new JsonObject
                    {
                        ["authLevel"] = "anonymous",
                        ["type"] = "httpTrigger",
                        ["direction"] = "in",
                        ["name"] = "req",
                        ["methods"] = new JsonArray([.. function.Methods.Select(m => (JsonNode)m.ToLowerInvariant())]),
                        ["route"] = function.Route,
                    },
                    new JsonObject { ["type"] = "http", ["direction"] = "out", ["name"] = "res" }),
            });
        }

        foreach (var timer in FunctionTable.Timers)
        {
            Save(Path.Combine(directory, timer.Name, "function.json"), new JsonObject
            {
                ["bindings"] = new JsonArray(new JsonObject { ["type"] = "timerTrigger", ["direction"] = "in", ["name"] = "timer", ["schedule"] = timer.Schedule }),
            });
        }

        var host = JsonNode.Parse(workerHostJson)!.AsObject();
        host["customHandler"] = new JsonObject
        {
            ["description"] = new JsonObject { ["defaultExecutablePath"] = "membership", ["workingDirectory"] = string.Empty, ["arguments"] = new JsonArray() },
            ["enableProxyingHttpRequest"] = true,
        };

        // A custom handler takes its triggers' host-side extensions from the bundle (the worker package brings its own).
        host["extensionBundle"] = new JsonObject { ["id"] = "Microsoft.Azure.Functions.ExtensionBundle", ["version"] = "[4.*, 5.0.0)" };
        Save(Path.Combine(directory, "host.json"), host);
    }

    private static void Save(string path, JsonObject json)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, json.ToJsonString(Indented) + "\n");
    }
}

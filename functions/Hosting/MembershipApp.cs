using Microsoft.AspNetCore.Routing.Constraints;

namespace Membership.Functions.Hosting;

/// <summary>
/// The standalone host: the app on plain Kestrel, mapping every function of <see cref="FunctionTable"/>. Also the
/// custom-handler mode (the Native AOT package): the Functions host starts it with <c>FUNCTIONS_CUSTOMHANDLER_PORT</c>,
/// proxies HTTP calls to it and invokes timers as <c>POST /{function}</c>. What Program runs, and what the tests start.
/// </summary>
public static class MembershipApp
{
    public const int DefaultPort = 8008;

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // Settings come from the environment (app settings in Azure) and nothing reloads them: without this, start-up
        // would watch the content root for appsettings changes (on Linux an inotify watch per folder below it).
        var builder = WebApplication.CreateSlimBuilder([.. args, "--hostBuilder:reloadConfigOnChange=false"]);
        configure?.Invoke(builder);
        ConfigureListenAddress(builder);
        builder.AddMembership(string.IsNullOrEmpty(builder.Configuration[HostingModes.CustomHandlerPortKey]) ? HostingMode.Standalone : HostingMode.CustomHandler);

        // Route constraints: the slim builder leaves out regex, which the client version segment uses.
        builder.Services.AddRoutingCore().Configure<RouteOptions>(o => o.SetParameterPolicy<RegexInlineRouteConstraint>("regex"));

        var app = builder.Build();
        var pipeline = app.Services.GetRequiredService<SurfacePipeline>();
        foreach (var function in FunctionTable.Http)
        {
            app.MapMethods("/" + function.Route, function.Methods, http => pipeline.RunAsync(http, function, async () => await function.Invoke(http.RequestServices, http.Request)))
                .WithName(function.Name)
                .WithDisplayName(function.Name);
        }

        // The custom handler's timers: the host POSTs the invocation envelope to /{function}.
        foreach (var timer in FunctionTable.Timers)
        {
            app.MapPost("/" + timer.Name, http => TimerInvocation.RunAsync(http, timer)).WithName(timer.Name).WithDisplayName(timer.Name);
        }

        // Paths no function takes: the surface's own "unrecognized" (the Functions host answers these itself in Azure).
        app.MapFallback(pipeline.UnroutedAsync);
        return app;
    }

    /// <summary>Listen where the Functions host proxies to, else the configured URLs, else the local default.</summary>
    private static void ConfigureListenAddress(WebApplicationBuilder builder)
    {
        var functionsPort = builder.Configuration[HostingModes.CustomHandlerPortKey];
        if (!string.IsNullOrEmpty(functionsPort))
        {
            builder.WebHost.UseUrls($"http://127.0.0.1:{functionsPort}");
        }
        else if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls($"http://127.0.0.1:{DefaultPort}");
        }
    }
}

using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace Membership.Functions.Hosting;

/// <summary>
/// The isolated-worker host: launched by the Functions host (the default package), it takes invocations over gRPC and
/// the host proxies each HTTP call to its Kestrel (the ASP.NET Core integration). Not part of the Native AOT build,
/// which the worker does not support; Program only calls it where dynamic code runs.
/// </summary>
internal static class WorkerHost
{
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = FunctionsApplication.CreateBuilder(args);
        builder.ConfigureFunctionsWebApplication();
        builder.UseMiddleware<WorkerSurfaceMiddleware>();
        builder.AddMembership(HostingMode.Worker);
        using var host = builder.Build();
        host.StartPreparingStorage();
        await host.RunAsync();
        return 0;
    }
}

/// <summary>
/// Runs each HTTP invocation inside <see cref="SurfacePipeline"/>: in worker mode an exception thrown by a function never
/// reaches ASP.NET Core middleware (the caller would get an empty 200), so the pipeline wraps the invocation here. The
/// pipeline writes the function's result itself; the worker is left nothing to write twice. Timers pass through.
/// </summary>
internal sealed class WorkerSurfaceMiddleware(SurfacePipeline pipeline) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (context.GetHttpContext() is not { } http || FunctionTable.Find(context.FunctionDefinition.Name) is not { } function)
        {
            await next(context);
            return;
        }

        await pipeline.RunAsync(http, function, async () =>
        {
            try
            {
                await next(context);
            }
            catch (AggregateException ex) when (ex.InnerExceptions is [var only])
            {
                // The worker's invocation pipeline reports a function's exception wrapped; the surfaces map the function's own.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(only);
            }

            var invocation = context.GetInvocationResult();
            var result = invocation.Value as IResult;
            invocation.Value = null;
            return result;
        });
    }
}

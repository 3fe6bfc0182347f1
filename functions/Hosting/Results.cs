using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Membership.Functions.Admin;

namespace Membership.Functions.Hosting;

/// <summary>
/// A result that tells the OpenAPI document what it answers (status, schema). The function table generator calls
/// <see cref="Describe"/> for the result type a function declares, so the document says what the code returns.
/// </summary>
internal interface IDescribedResult
{
    static abstract void Describe(EndpointBuilder builder);
}

/// <summary>A Matrix JSON answer (client-server and federation): <typeparamref name="T"/> in snake_case, status 200.</summary>
internal sealed class MatrixJson<T>(T value) : IResult, IDescribedResult
{
    public T Value { get; } = value;

    public Task ExecuteAsync(HttpContext httpContext) => Wire.WriteAsync(httpContext, StatusCodes.Status200OK, Value, Wire.Matrix);

    public static void Describe(EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(T), [Wire.JsonContentType]));
}

/// <summary>Shorthands for the Matrix answers most functions give.</summary>
internal static class MatrixJson
{
    public static MatrixJson<EmptyObject> Empty { get; } = new(new EmptyObject());

    public static MatrixJson<T> Of<T>(T value) => new(value);
}

/// <summary><c>{}</c>: what membership changes answer.</summary>
internal sealed record EmptyObject;

/// <summary>The Tencent envelope's own fields; a command's answer adds its fields to them.</summary>
internal record TencentReply
{
    [System.Text.Json.Serialization.JsonPropertyOrder(-4)]
    public string ActionStatus { get; init; } = "OK";

    [System.Text.Json.Serialization.JsonPropertyOrder(-3)]
    public int ErrorCode { get; init; }

    [System.Text.Json.Serialization.JsonPropertyOrder(-2)]
    public string ErrorInfo { get; init; } = string.Empty;

    /// <summary>Set when the answer is written: the request's own ID, also in its log scope.</summary>
    [System.Text.Json.Serialization.JsonPropertyOrder(-1)]
    public string RequestId { get; set; } = string.Empty;

    public static TencentReply Failure(int code, string info) => new() { ActionStatus = "FAIL", ErrorCode = code, ErrorInfo = info };
}

/// <summary>A Tencent answer: HTTP 200 and the envelope, with the command's fields when <typeparamref name="T"/> adds any.</summary>
internal sealed class TencentOk<T>(T reply) : IResult, IDescribedResult
    where T : TencentReply
{
    public T Reply { get; } = reply;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        Reply.RequestId = TencentEnvelope.RequestIdOf(httpContext);
        return Wire.WriteAsync(httpContext, StatusCodes.Status200OK, Reply, Wire.Tencent);
    }

    public static void Describe(EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(T), [Wire.JsonContentType]));
}

/// <summary>Shorthands for Tencent answers.</summary>
internal static class TencentOk
{
    public static TencentOk<TencentReply> Empty => new(new TencentReply());

    public static TencentOk<T> Of<T>(T reply)
        where T : TencentReply => new(reply);
}

/// <summary>Writing JSON the same way everywhere: the surface's naming and type metadata (source-generated, AOT-safe).</summary>
internal static class Wire
{
    public const string JsonContentType = "application/json";

    /// <summary>Matrix: snake_case names, non-ASCII and '+' kept literal (valid JSON; the default encoder escapes them needlessly).</summary>
    public static JsonSerializerOptions Matrix { get; } = new(MatrixJsonContext.Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = MatrixJsonContext.Default,
    };

    /// <summary>Tencent: the field names as Tencent spells them.</summary>
    public static JsonSerializerOptions Tencent { get; } = new(TencentJsonContext.Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = TencentJsonContext.Default,
    };

    public static JsonSerializerOptions For(Surface surface) => surface == Surface.Admin ? Tencent : Matrix;

    public static JsonTypeInfo<T> Info<T>(JsonSerializerOptions options) => (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));

    public static async Task WriteAsync<T>(HttpContext http, int status, T value, JsonSerializerOptions options)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = JsonContentType;
        await JsonSerializer.SerializeAsync(http.Response.Body, value, Info<T>(options), http.RequestAborted);
    }
}

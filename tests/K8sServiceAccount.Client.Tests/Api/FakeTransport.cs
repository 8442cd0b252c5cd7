using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Models;

namespace K8sServiceAccount.Client.Tests.Api;

/// <summary>One request as the operation sent it.</summary>
public sealed record RecordedRequest(string Method, string Path, string? Body);

/// <summary>
/// An <see cref="IKubernetesTransport"/> that records every request and answers from a script, in order:
/// JSON bodies (deserialized with the caller's JsonTypeInfo, so wire shapes are exercised), Status errors,
/// and watch streams fed through a channel the test controls.
/// </summary>
public sealed class FakeTransport : IKubernetesTransport
{
    private readonly Queue<Func<RecordedRequest, object>> answers = new();
    private readonly List<RecordedRequest> requests = new();
    private readonly object gate = new();

    public event Action<string>? ServerWarning;

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (gate)
            {
                return requests.ToList();
            }
        }
    }

    /// <summary>The next request is answered with this JSON body.</summary>
    public FakeTransport Reply(string json)
    {
        Enqueue(_ => json);
        return this;
    }

    /// <summary>The next request fails with a Status of this code, reason and message.</summary>
    public FakeTransport Fail(int code, string reason, string message)
    {
        Enqueue(_ => Error(code, reason, message));
        return this;
    }

    /// <summary>The next request is a watch, fed from the returned writer (complete it to end the stream).</summary>
    public ChannelWriter<string> ReplyWatch()
    {
        var channel = Channel.CreateUnbounded<string>();
        Enqueue(_ => channel.Reader);
        return channel.Writer;
    }

    /// <summary>The next request is a watch that delivers these event lines and then ends.</summary>
    public FakeTransport ReplyWatch(params string[] eventLines)
    {
        var writer = ReplyWatch();
        foreach (var line in eventLines)
        {
            writer.TryWrite(line);
        }

        writer.Complete();
        return this;
    }

    public void RaiseWarning(string warning) => ServerWarning?.Invoke(warning);

    public static KubernetesApiException Error(int code, string reason, string message) =>
        new(code, new Status { Kind = "Status", ApiVersion = "v1", Outcome = "Failure", Message = message, Reason = reason, Code = code }, message);

    public Task<TResponse> SendAsync<TRequest, TResponse>(
        HttpMethod method,
        string path,
        TRequest? body,
        JsonTypeInfo<TRequest>? requestType,
        JsonTypeInfo<TResponse> responseType,
        CancellationToken cancellationToken,
        string? contentType = null)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var bodyJson = body is null || requestType is null ? null : JsonSerializer.Serialize(body, requestType);
        return Task.FromResult(Answer(new RecordedRequest(method.Method, path, bodyJson), responseType));
    }

    public Task<TResponse> GetAsync<TResponse>(string path, JsonTypeInfo<TResponse> responseType, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Answer(new RecordedRequest("GET", path, null), responseType));
    }

    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(
        string path,
        JsonTypeInfo<WatchEvent<T>> eventType,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var answer = Next(new RecordedRequest("WATCH", path, null));
        if (answer is KubernetesApiException error)
        {
            throw error;
        }

        var reader = (ChannelReader<string>)answer;
        await foreach (var line in reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            using var document = JsonDocument.Parse(line);
            if (document.RootElement.GetProperty("type").GetString() == "ERROR")
            {
                var status = document.RootElement.GetProperty("object").Deserialize(KubeJsonContext.Default.Status)!;
                throw new KubernetesApiException(status.Code ?? 500, status, status.Message ?? "watch error");
            }

            yield return JsonSerializer.Deserialize(line, eventType)!;
        }
    }

    private void Enqueue(Func<RecordedRequest, object> answer)
    {
        lock (gate)
        {
            answers.Enqueue(answer);
        }
    }

    private TResponse Answer<TResponse>(RecordedRequest request, JsonTypeInfo<TResponse> responseType)
    {
        var answer = Next(request);
        return answer switch
        {
            KubernetesApiException error => throw error,
            string json => JsonSerializer.Deserialize(json, responseType)!,
            _ => throw new InvalidOperationException($"The script answers {request.Method} {request.Path} with a watch stream."),
        };
    }

    private object Next(RecordedRequest request)
    {
        lock (gate)
        {
            requests.Add(request);
            if (answers.Count == 0)
            {
                throw new InvalidOperationException($"Unscripted request: {request.Method} {request.Path}");
            }

            return answers.Dequeue()(request);
        }
    }
}

/// <summary>Collects log lines.</summary>
public sealed class RecordingLog : IClientLog
{
    public List<string> Verbose { get; } = new();

    public List<string> Warnings { get; } = new();

    void IClientLog.Verbose(string message) => Verbose.Add(message);

    void IClientLog.Debug(string message) { }

    void IClientLog.Warning(string message) => Warnings.Add(message);
}

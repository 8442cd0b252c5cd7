using K8sServiceAccount.Client.Config;

namespace K8sServiceAccount.Client.Http;

/// <summary>How a <see cref="KubernetesConnection"/> behaves beyond what the kubeconfig says.</summary>
public sealed class KubernetesConnectionOptions
{
    /// <summary>
    /// The longest one attempt may take: from sending the request to the end of the answer (for a watch, to
    /// its headers; the stream then lasts until the server ends it or the caller cancels). Getting
    /// credentials (an exec plugin may wait for a login) and the waits between retries are not counted.
    /// A timeout is not retried. <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> disables it. Inside a
    /// <see cref="KubernetesConnection.UseRequestTimeout"/> scope (kubectl's --request-timeout), the scope's timeout
    /// bounds each whole call instead, and this one does not apply.
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>
    /// How many times a failed call is sent again (so at most MaxRetries + 1 attempts). Which failures are
    /// retried is described on <see cref="KubernetesConnection"/>. 0 disables retries.
    /// </summary>
    public int MaxRetries { get; init; } = 5;

    /// <summary>
    /// The largest answer read into memory, and the largest event (one line) of a watch: more fails with
    /// KubernetesInvalidResponse instead of buffering whatever a broken or hostile server sends (HttpClient's own
    /// limit is 2 GiB; a watch line has none). A page of a list is far below it.
    /// </summary>
    public long MaxResponseBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Files and the clock (token file re-reads, exec credential expiry).</summary>
    public ISystemEnvironment Environment { get; init; } = SystemEnvironment.Instance;

    /// <summary>
    /// Wraps the connection's handler (the SocketsHttpHandler that does TLS), e.g. to observe or fake traffic
    /// in tests. The returned handler is owned and disposed by the connection.
    /// </summary>
    public Func<HttpMessageHandler, HttpMessageHandler>? WrapHandler { get; init; }

    /// <summary>
    /// Whether a user is at a terminal who can answer an exec credential plugin's prompts. Decides the
    /// plugin's interactiveMode: IfAvailable runs interactively only when this is true, Always fails when it
    /// is false. Default: standard input is not redirected. The cmdlet layer passes false for hosts without a
    /// user (runbooks, CI), so a plugin never waits for an answer nobody can give.
    /// </summary>
    public Func<bool> IsTerminalAttached { get; init; } = static () => !Console.IsInputRedirected;

    /// <summary>User-Agent sent with every request.</summary>
    public string UserAgent { get; init; } = DefaultUserAgent;

    /// <summary>"K8sServiceAccount/&lt;version&gt; (&lt;OS&gt;)".</summary>
    public static string DefaultUserAgent { get; } =
        $"K8sServiceAccount/{typeof(KubernetesConnectionOptions).Assembly.GetName().Version?.ToString(3) ?? "0.0.0"} ({System.Runtime.InteropServices.RuntimeInformation.OSDescription.Replace('(', '[').Replace(')', ']')})";

    /// <summary>The longest a connection (TCP and TLS handshake) may take; tests shorten it.</summary>
    internal TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Waits between retries. Tests replace it to record the waits instead of sleeping.</summary>
    internal Func<TimeSpan, CancellationToken, Task> Delay { get; init; } = static (wait, token) => Task.Delay(wait, token);

    /// <summary>Random source for retry jitter (a value in [0, 1)); tests make it fixed.</summary>
    internal Func<double> Jitter { get; init; } = static () => Random.Shared.NextDouble();
}

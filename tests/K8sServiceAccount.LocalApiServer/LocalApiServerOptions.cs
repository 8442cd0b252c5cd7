using K8sServiceAccount.LocalApiServer.Faults;

namespace K8sServiceAccount.LocalApiServer;

/// <summary>A static bearer token and the identity it authenticates as (--token TOKEN=user[:group,group]).</summary>
public sealed record StaticToken(string Token, string User, IReadOnlyList<string> Groups)
{
    /// <summary>Parses TOKEN=user[:group,group]; throws FormatException naming the problem (never the token).</summary>
    public static StaticToken Parse(string value)
    {
        int equals = value.IndexOf('=');
        if (equals <= 0 || equals == value.Length - 1)
        {
            throw new FormatException("--token expects TOKEN=user[:group,group]");
        }
        string token = value[..equals];
        string identity = value[(equals + 1)..];
        // The first ':' ends the user name, so static users cannot contain ':' (use a client certificate for those).
        int colon = identity.IndexOf(':');
        string user = colon < 0 ? identity : identity[..colon];
        IReadOnlyList<string> groups = colon < 0
            ? []
            : identity[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (user.Length == 0) throw new FormatException("--token: the user name is empty");
        return new StaticToken(token, user, groups);
    }
}

/// <summary>Settings of a <see cref="LocalApiServerHost"/>; every command-line option maps to one property.</summary>
public sealed class LocalApiServerOptions
{
    /// <summary>TCP port on 127.0.0.1; 0 picks a free port.</summary>
    public int Port { get; set; }

    /// <summary>Where to write the admin kubeconfig when ready (null: a file in a temporary directory).</summary>
    public string? KubeconfigPath { get; set; }

    /// <summary>Directory keeping the CA and token signing key across runs (null: fresh keys per run).</summary>
    public string? StateDirectory { get; set; }

    /// <summary>Bearer tokens accepted as fixed identities.</summary>
    public List<StaticToken> StaticTokens { get; } = new();

    /// <summary>The ServiceAccount token issuer (iss claim).</summary>
    public string Issuer { get; set; } = "https://kubernetes.default.svc.cluster.local";

    /// <summary>The API audiences; empty means the issuer.</summary>
    public List<string> ApiAudiences { get; } = new();

    /// <summary>Upper bound for TokenRequest expirationSeconds, as managed clusters impose (null: none).</summary>
    public long? MaxTokenExpirationSeconds { get; set; }

    /// <summary>Serve requests without credentials as system:anonymous (kube-apiserver's default); otherwise 401.</summary>
    public bool AnonymousAuth { get; set; } = true;

    /// <summary>
    /// Run the token controller, which fills kubernetes.io/service-account-token Secrets and deletes those of
    /// missing ServiceAccounts. Off models a kube-controller-manager without the serviceaccount-token
    /// controller: such Secrets stay as created.
    /// </summary>
    public bool TokenController { get; set; } = true;

    /// <summary>
    /// Run the minimal Deployment and ReplicaSet controllers (ReplicaSets and Pods from templates, status). Off
    /// models a cluster whose kube-controller-manager runs neither: workloads stay exactly as written.
    /// </summary>
    public bool WorkloadControllers { get; set; } = true;

    /// <summary>Initial latency and fault injection.</summary>
    public FaultSettings Faults { get; set; } = FaultSettings.None;

    /// <summary>Name of the cluster, context and user in the written kubeconfig.</summary>
    public string ContextName { get; set; } = "local-apiserver";

    /// <summary>Clock for timestamps and token lifetimes (tests may substitute one).</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>Write request lines to standard error.</summary>
    public bool Verbose { get; set; }

    /// <summary>
    /// Debugging: write every request body that has one to this directory (NNNN-METHOD-path.bin, plus a .txt
    /// with its Content-Type and Accept), e.g. to capture what a kubectl sends as decoder test fixtures.
    /// </summary>
    public string? CaptureDirectory { get; set; }

    /// <summary>Append one line per request ("METHOD path?query") to this file, e.g. so a benchmark can show how many
    /// list pages a client asked for.</summary>
    public string? RequestLog { get; set; }

    /// <summary>Test support: append every token and client key the server issues to this file (see
    /// <see cref="Tokens.SecretsLog"/>); null: off.</summary>
    public string? SecretsLog { get; set; }
}

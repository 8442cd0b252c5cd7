using System.Management.Automation;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Internal;
using K8sServiceAccount.Completion;

namespace K8sServiceAccount.Commands;

/// <summary>
/// Gets a token for a ServiceAccount: by default a short-lived bound token from the TokenRequest API (as kubectl
/// create token, with the same checks before the request); with -Legacy a long-lived token from a
/// kubernetes.io/service-account-token Secret, created if needed and waited for with a watch. The token is a
/// SecureString unless -AsPlainText; it never appears in verbose, debug or error output. Issuing a bound token and creating
/// a Secret ask ShouldProcess: -WhatIf sends neither request.
/// </summary>
[Cmdlet(VerbsCommon.Get, "K8sSaToken", DefaultParameterSetName = BoundSet, SupportsShouldProcess = true)]
[OutputType(typeof(K8sSaTokenInfo), typeof(string))]
public sealed class GetK8sSaTokenCommand : NamespacedObjectCmdletBase
{
    private const string BoundSet = "Bound";
    private const string LegacySet = "Legacy";

    private TokenRequestOptions? options;

    /// <summary>
    /// The ServiceAccount to get a token for: NAME in -Namespace, or NAMESPACE/NAME. Bound from the Name (and Namespace) of
    /// piped ServiceAccounts.
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ServiceAccountCompleter))]
    public string ServiceAccount { get; set; } = string.Empty;

    /// <summary>Audiences the token is for (repeatable); the API server's own audiences when omitted.</summary>
    [Parameter(ParameterSetName = BoundSet)]
    [ValidateNotNullOrEmpty]
    public string[]? Audience { get; set; }

    /// <summary>
    /// How long the token should be valid: a Go duration as kubectl create token --duration takes it (30m, 1h30m,
    /// 3600s) or a TimeSpan; at least 10 minutes, in whole seconds. The server's default (normally one hour) when
    /// omitted or zero; the server may grant less.
    /// </summary>
    [Parameter(ParameterSetName = BoundSet)]
    [DurationTransformation]
    public TimeSpan? Duration { get; set; }

    /// <summary>Bind the token to an object of this kind: it stops working when that object is deleted.</summary>
    [Parameter(ParameterSetName = BoundSet)]
    [ValidateSet("Pod", "Secret", "Node")]
    public string? BoundObjectKind { get; set; }

    /// <summary>The name of the object to bind the token to (required with -BoundObjectKind).</summary>
    [Parameter(ParameterSetName = BoundSet)]
    [ValidateNotNullOrEmpty]
    public string? BoundObjectName { get; set; }

    /// <summary>The UID of the object to bind the token to; by default the UID of the object that exists now.</summary>
    [Parameter(ParameterSetName = BoundSet)]
    [ValidateNotNullOrEmpty]
    public string? BoundObjectUid { get; set; }

    /// <summary>Get a long-lived token from a kubernetes.io/service-account-token Secret, creating the Secret if there is none.</summary>
    [Parameter(ParameterSetName = LegacySet)]
    public SwitchParameter Legacy { get; set; }

    /// <summary>With -Legacy: how long to wait for the token controller to fill a new Secret (default 30 seconds); a Go duration (90s, 2m) or a TimeSpan.</summary>
    [Parameter(ParameterSetName = LegacySet)]
    [DurationTransformation]
    public TimeSpan? Timeout { get; set; }

    /// <summary>Write the token alone as a plain string, for piping into other tools. The token is then readable by anyone who sees the output.</summary>
    [Parameter]
    public SwitchParameter AsPlainText { get; set; }

    protected override void BeginProcessing()
    {
        if (ParameterSetName == LegacySet)
        {
            if (!Legacy)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new PSArgumentException("-Timeout applies only to -Legacy tokens: add -Legacy, or remove -Timeout."),
                    "TimeoutWithoutLegacy",
                    ErrorCategory.InvalidArgument,
                    null));
            }

            if (Timeout is { } timeout && timeout <= TimeSpan.Zero)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new PSArgumentException($"-Timeout must be positive; it is {timeout}."),
                    "InvalidTimeout",
                    ErrorCategory.InvalidArgument,
                    timeout));
            }

            return;
        }

        options = new TokenRequestOptions
        {
            Audiences = Audience ?? Array.Empty<string>(),
            Duration = Duration,
            Binding = BoundObjectKind is null && BoundObjectName is null && BoundObjectUid is null
                ? null
                : new TokenBinding(BoundObjectKind ?? string.Empty, BoundObjectName ?? string.Empty, BoundObjectUid),
        };
        try
        {
            // kubectl create token's checks, once for the whole call: no request is sent for a bad option.
            options.Validate();
        }
        catch (K8sClientException e)
        {
            ThrowTerminatingErrorFor(e, null);
        }
    }

    protected override void ProcessRecord()
    {
        var ns = Settings.Namespace;
        var name = ServiceAccount;
        try
        {
            (ns, name) = ServiceAccountMapping.NamespaceAndName(ServiceAccount, ns);
            if (Legacy)
            {
                WriteLegacyToken(ns, name);
                return;
            }

            // A TokenRequest creates a credential on the server, though it leaves no object behind.
            if (!ShouldProcess(ServiceAccountMapping.Target("ServiceAccount", ns, name), "Request a token"))
            {
                return;
            }

            var token = Invoke((connection, cancellation) =>
                new TokenOperations(connection, Log).RequestTokenAsync(ns, name, options, cancellation));
            // A shortened token has been reported through the client's log as a warning.
            WriteObject(AsPlainText ? token.Token : ServiceAccountMapping.ToTokenInfo(token));
        }
        catch (K8sClientException e)
        {
            WriteErrorFor(e, ns + "/" + name);
        }
    }

    private void WriteLegacyToken(string ns, string name)
    {
        var lookup = Invoke((connection, cancellation) => new TokenOperations(connection, Log).FindLegacyTokenAsync(ns, name, cancellation));
        LegacyServiceAccountToken? token = lookup.Token;
        if (token is null && lookup.PendingSecret is { } pending)
        {
            token = Invoke((connection, cancellation) => new TokenOperations(connection, Log)
                .WaitForLegacyTokenAsync(pending, Timeout ?? TokenOperations.DefaultLegacyTokenTimeout, created: false, cancellation));
        }

        if (token is null)
        {
            var target = ServiceAccountMapping.Target("Secret", ns, name + "-token-*");
            if (!ShouldProcess(target, $"Create a {TokenOperations.ServiceAccountTokenSecretType} Secret for ServiceAccount {ns}/{name}"))
            {
                return;
            }

            token = Invoke((connection, cancellation) => new TokenOperations(connection, Log).CreateLegacyTokenAsync(ns, name, Timeout, cancellation));
            this.WriteVerboseLine($"Created Secret {ns}/{token.SecretName} for ServiceAccount {name}.");
        }

        WriteObject(AsPlainText ? token.Token : ServiceAccountMapping.ToTokenInfo(token));
    }
}

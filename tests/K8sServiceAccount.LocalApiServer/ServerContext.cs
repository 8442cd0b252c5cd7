using K8sServiceAccount.LocalApiServer.Auth;
using K8sServiceAccount.LocalApiServer.Controllers;
using K8sServiceAccount.LocalApiServer.Faults;
using K8sServiceAccount.LocalApiServer.Pki;
using K8sServiceAccount.LocalApiServer.Store;
using K8sServiceAccount.LocalApiServer.Tokens;

namespace K8sServiceAccount.LocalApiServer;

/// <summary>The shared state of one server instance: store, keys, authenticator, authorizer, fault settings and controller switches.</summary>
public sealed class ServerContext
{
    public ServerContext(LocalApiServerOptions options, CertificateAuthority ca, ServiceAccountTokenSigner signer)
    {
        Options = options;
        Clock = options.Clock;
        Ca = ca;
        Store = new ObjectStore(Clock);
        var staticTokens = options.StaticTokens.ToDictionary(
            t => t.Token, t => new Client.Rbac.UserInfo(t.User, null, t.Groups), StringComparer.Ordinal);
        IReadOnlyList<string> audiences = options.ApiAudiences.Count > 0 ? options.ApiAudiences.ToList() : [options.Issuer];
        Secrets = new SecretsLog(options.SecretsLog);
        foreach (StaticToken token in options.StaticTokens) Secrets.Record("static-token", token.Token);
        Tokens = new TokenAuthority(signer, Store, options.Issuer, audiences, staticTokens, Clock, Secrets);
        Authenticator = new Authenticator(ca, Tokens, options.AnonymousAuth);
        Authorizer = new ServerAuthorizer(Store);
        Faults = new FaultInjector(options.Faults);
        Controllers = new ControllerSwitches(options.TokenController, options.WorkloadControllers);
    }

    public LocalApiServerOptions Options { get; }
    public TimeProvider Clock { get; }
    public CertificateAuthority Ca { get; }
    public ObjectStore Store { get; }
    public TokenAuthority Tokens { get; }
    /// <summary>Where issued credentials are recorded for secrets scans (a no-op unless --secrets-log is given).</summary>
    public SecretsLog Secrets { get; }
    public Authenticator Authenticator { get; }
    public ServerAuthorizer Authorizer { get; }
    public FaultInjector Faults { get; }
    public ControllerSwitches Controllers { get; }

    /// <summary>https://127.0.0.1:PORT once the listener is bound.</summary>
    public string Url { get; set; } = "";
}

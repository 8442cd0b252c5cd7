using System.Collections;
using System.Text;
using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Tokens;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Module.Tests;

/// <summary>
/// The ServiceAccount and token cmdlets' own logic (ServiceAccountMapping): output objects, -Label/-Annotation
/// hashtables, -Token arguments and ShouldProcess targets, run from the staged module.
/// </summary>
public class ServiceAccountCmdletLogicTests
{
    private const string SecretToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";

    public static TheoryData<object, TimeSpan> DurationArguments => new()
    {
        { "30m", TimeSpan.FromMinutes(30) },
        { "1h30m", TimeSpan.FromMinutes(90) },
        { "3600s", TimeSpan.FromHours(1) },
        { "01:00:00", TimeSpan.FromHours(1) },
        { 0, TimeSpan.Zero },
        { 0.0, TimeSpan.Zero },
        { 0L, TimeSpan.Zero },
    };

    [Theory]
    [MemberData(nameof(DurationArguments))]
    public void DurationParametersReadGoDurationsTimeSpanTextAndZero(object argument, TimeSpan expected)
    {
        Assert.Equal(expected, DurationConversion.Convert(argument));
    }

    [Fact]
    public void DurationParametersReadNumberLiteralsAsTyped()
    {
        // PowerShell reads the arguments 3600s and 90us as an Int16 and a UInt16 and keeps the typed text beside them.
        Assert.Equal(TimeSpan.FromHours(1), DurationConversion.Convert((short)3600, "3600s"));
        Assert.Equal(TimeSpan.FromMicroseconds(90), DurationConversion.Convert((ushort)90, "90us"));
        Assert.Equal(TimeSpan.FromMinutes(30), DurationConversion.Convert("30m", "ignored for text"));
        var e = Assert.Throws<ArgumentException>(() => DurationConversion.Convert(1024, "1kb"));
        Assert.StartsWith("Cannot read \"1kb\" as a duration: time: unknown unit \"kb\" in duration \"1kb\".", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DurationParametersLeaveTimeSpansNullAndOtherTypesToPowerShell()
    {
        object boxed = TimeSpan.FromMinutes(20);
        object other = new DateTime(2026, 11, 23);
        Assert.Same(boxed, DurationConversion.Convert(boxed));
        Assert.Null(DurationConversion.Convert(null));
        Assert.Same(other, DurationConversion.Convert(other));
    }

    [Theory]
    [InlineData(3600, "Cannot read \"3600\" as a duration: time: missing unit in duration \"3600\"; a number needs a unit, e.g. 3600s for seconds.")]
    [InlineData(1.5, "Cannot read \"1.5\" as a duration: time: missing unit in duration \"1.5\"; a number needs a unit, e.g. 1.5s for seconds.")]
    [InlineData("1d", "Cannot read \"1d\" as a duration: time: unknown unit \"d\" in duration \"1d\".")]
    public void DurationParametersRefuseBareNumbersAndUnknownUnitsNamingTheValue(object argument, string message)
    {
        // PowerShell puts "Cannot process argument transformation on parameter 'Duration'." in front of this message.
        var e = Assert.Throws<ArgumentException>(() => DurationConversion.Convert(argument));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
        Assert.Contains("1h30m", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RequestTimeoutReadsWholeNumbersAsSecondsAsKubectlDoes()
    {
        // -RequestTimeout 5 is an Int32 with "5" typed; 2s an Int16 with "2s" typed; 0 means no timeout.
        Assert.Equal(TimeSpan.FromSeconds(5), DurationConversion.ConvertRequestTimeout(5, "5"));
        Assert.Equal(TimeSpan.FromSeconds(90), DurationConversion.ConvertRequestTimeout(90L));
        Assert.Equal(TimeSpan.FromSeconds(2), DurationConversion.ConvertRequestTimeout((short)2, "2s"));
        Assert.Equal(TimeSpan.Zero, DurationConversion.ConvertRequestTimeout(0, "0"));
        Assert.Equal(TimeSpan.FromMinutes(2), DurationConversion.ConvertRequestTimeout("2m"));
        Assert.Equal(TimeSpan.FromSeconds(30), DurationConversion.ConvertRequestTimeout(TimeSpan.FromSeconds(30)));
        Assert.Null(DurationConversion.ConvertRequestTimeout(null));
    }

    [Theory]
    [InlineData(-1, "Cannot read \"-1\" as a request timeout: it is negative.")]
    [InlineData("garbage", "Cannot read \"garbage\" as a request timeout: time: invalid duration \"garbage\".")]
    [InlineData(1.5, "Cannot read \"1.5\" as a request timeout: time: missing unit in duration \"1.5\"")]
    public void RequestTimeoutRefusesNegativesAndGarbageNamingTheValue(object argument, string message)
    {
        // PowerShell puts "Cannot process argument transformation on parameter 'RequestTimeout'." in front of this message.
        var e = Assert.Throws<ArgumentException>(() => DurationConversion.ConvertRequestTimeout(argument));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => DurationConversion.ConvertRequestTimeout(TimeSpan.FromSeconds(-1)));
    }

    [Fact]
    public void ShouldProcessTargetsNameKindNamespaceAndName()
    {
        Assert.Equal("ServiceAccount ns1/app", ServiceAccountMapping.Target("ServiceAccount", "ns1", "app"));
    }

    [Fact]
    public void AServiceAccountBecomesAnObjectWithNameAndNamespaceAtTheTopAndUtcTimes()
    {
        var created = new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.FromHours(2));
        var account = new ServiceAccount
        {
            Metadata = new ObjectMeta
            {
                Name = "app",
                Namespace = "ns1",
                Uid = "uid-1",
                ResourceVersion = "42",
                CreationTimestamp = created,
                Labels = new Dictionary<string, string> { ["team"] = "payments" },
            },
            Secrets = [new ObjectReference { Name = "app-token-abcde" }],
            ImagePullSecrets = [new LocalObjectReference { Name = "registry" }],
            AutomountServiceAccountToken = false,
        };

        var info = ServiceAccountMapping.ToServiceAccountInfo(account);

        Assert.Equal("app", info.Name);
        Assert.Equal("ns1", info.Namespace);
        Assert.Equal("uid-1", info.Uid);
        Assert.Equal("42", info.ResourceVersion);
        Assert.Equal(created.UtcDateTime, info.CreationTimestamp);
        Assert.Equal(DateTimeKind.Utc, info.CreationTimestamp!.Value.Kind);
        Assert.Equal("payments", info.Labels["team"]);
        Assert.Empty(info.Annotations);
        Assert.Equal(["app-token-abcde"], info.Secrets);
        Assert.Equal(["registry"], info.ImagePullSecrets);
        Assert.False(info.AutomountServiceAccountToken);
        Assert.Equal("ns1/app", info.ToString());
    }

    [Fact]
    public void HashtableValuesBecomeInvariantStrings()
    {
        var map = ServiceAccountMapping.ToStringMap(new Hashtable { ["app"] = "web", ["replicas"] = 3, ["enabled"] = true, ["ratio"] = 1.5 }, "Label", allowRemoval: false);
        Assert.Equal("web", map["app"]);
        Assert.Equal("3", map["replicas"]);
        Assert.Equal("True", map["enabled"]);
        Assert.Equal("1.5", map["ratio"]);
        Assert.Empty(ServiceAccountMapping.ToStringMap(null, "Label", allowRemoval: false));
    }

    [Fact]
    public void ANullValueRemovesAKeyOnlyWhereRemovalMakesSense()
    {
        var changes = ServiceAccountMapping.ToStringMap(new Hashtable { ["legacy"] = null, ["tier"] = "web" }, "Label", allowRemoval: true);
        Assert.True(changes.ContainsKey("legacy"));
        Assert.Null(changes["legacy"]);

        var e = Assert.Throws<K8sClientException>(() => ServiceAccountMapping.ToStringMap(new Hashtable { ["legacy"] = null }, "Annotation", allowRemoval: false));
        Assert.Equal("InvalidMapValue", e.ErrorId);
        Assert.Equal(K8sErrorCategory.InvalidArgument, e.Category);
        Assert.Contains("-Annotation", e.Message);
        Assert.Contains("\"legacy\"", e.Message);

        var empty = Assert.Throws<K8sClientException>(() => ServiceAccountMapping.ToStringMap(new Hashtable { [" "] = "x" }, "Label", allowRemoval: true));
        Assert.Equal("InvalidMapKey", empty.ErrorId);
    }

    [Fact]
    public void TokenArgumentsAcceptStringsSecureStringsAndTokenObjects()
    {
        Assert.Equal(SecretToken, ServiceAccountMapping.TokenText(SecretToken));
        var secure = ServiceAccountMapping.ToSecureString(SecretToken);
        Assert.True(secure.IsReadOnly());
        Assert.Equal(SecretToken, ServiceAccountMapping.TokenText(secure));
        Assert.Equal(SecretToken, ServiceAccountMapping.TokenText(new K8sSaTokenInfo { Token = secure }));
    }

    [Fact]
    public void AWrongTokenArgumentIsAnErrorThatDoesNotShowTheValue()
    {
        var e = Assert.Throws<K8sClientException>(() => ServiceAccountMapping.TokenText(new StringBuilder(SecretToken)));
        Assert.Equal("InvalidTokenType", e.ErrorId);
        Assert.DoesNotContain(SecretToken, e.Message);
        Assert.Equal("InvalidToken", Assert.Throws<K8sClientException>(() => ServiceAccountMapping.TokenText(null)).ErrorId);
    }

    [Fact]
    public void ABoundTokenIsASecureStringAndNeverShown()
    {
        var expires = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
        var token = new ServiceAccountToken
        {
            Namespace = "ns1",
            ServiceAccount = "app",
            Token = SecretToken,
            ExpirationTimestamp = expires,
            Audiences = ["vault"],
            BoundObject = new TokenBinding("Pod", "web-0", "pod-uid"),
            RequestedDuration = TimeSpan.FromHours(48),
            GrantedDuration = TimeSpan.FromHours(24),
        };

        var info = ServiceAccountMapping.ToTokenInfo(token);

        Assert.Equal(SecretToken, ServiceAccountMapping.FromSecureString(info.Token));
        Assert.Equal(expires.UtcDateTime, info.ExpirationTimestamp);
        Assert.Equal(["vault"], info.Audiences);
        Assert.Equal("Pod/web-0", info.BoundObject!.ToString());
        Assert.Equal("pod-uid", info.BoundObject.Uid);
        Assert.Equal(TimeSpan.FromHours(48), info.RequestedDuration);
        Assert.Equal(TimeSpan.FromHours(24), info.GrantedDuration);
        Assert.False(info.IsLegacy);
        Assert.DoesNotContain(SecretToken, info.ToString());
    }

    [Fact]
    public void ALegacyTokenNamesItsSecretAndHasNoExpiry()
    {
        var info = ServiceAccountMapping.ToTokenInfo(new LegacyServiceAccountToken
        {
            Namespace = "ns1",
            ServiceAccount = "app",
            SecretName = "app-token-x7k2p",
            Token = SecretToken,
        });

        Assert.True(info.IsLegacy);
        Assert.Equal("app-token-x7k2p", info.SecretName);
        Assert.Null(info.ExpirationTimestamp);
        Assert.Null(info.GrantedDuration);
        Assert.DoesNotContain(SecretToken, info.ToString());
    }

    [Fact]
    public void DecodedClaimsBecomeUtcDateTimesWithTheBindingAsAnObject()
    {
        var issued = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        var jwt = Jwt($$"""
            {"aud":["https://kubernetes.default.svc"],"exp":{{issued.ToUnixTimeSeconds() + 3600}},"iat":{{issued.ToUnixTimeSeconds()}},"nbf":{{issued.ToUnixTimeSeconds()}},
             "iss":"https://kubernetes.default.svc","sub":"system:serviceaccount:ns1:app",
             "kubernetes.io":{"namespace":"ns1","serviceaccount":{"name":"app","uid":"sa-uid"},"pod":{"name":"web-0","uid":"pod-uid"},"node":{"name":"node-1","uid":"node-uid"} } }
            """);

        var claims = ServiceAccountMapping.ToClaims(ServiceAccountTokenDecoder.Decode(jwt, issued.AddMinutes(5)));

        Assert.Equal(K8sSaTokenFormat.Bound, claims.Format);
        Assert.Equal("ns1", claims.Namespace);
        Assert.Equal("app", claims.ServiceAccount);
        Assert.Equal("sa-uid", claims.ServiceAccountUid);
        Assert.Equal(issued.UtcDateTime, claims.IssuedAt);
        Assert.Equal(issued.UtcDateTime.AddHours(1), claims.ExpiresAt);
        Assert.Equal(DateTimeKind.Utc, claims.ExpiresAt!.Value.Kind);
        Assert.Equal("Pod/web-0", claims.BoundObject!.ToString());
        Assert.Equal("node-1", claims.Node!.Name);
        Assert.False(claims.IsExpired);
        Assert.Equal(["https://kubernetes.default.svc"], claims.Audiences);
        Assert.Equal("system:serviceaccount:ns1:app", claims.ToString());
    }

    [Fact]
    public void AReviewKeepsTheServersReasonAndTheUsersGroups()
    {
        var accepted = ServiceAccountMapping.ToReview(new TokenReviewResult
        {
            Authenticated = true,
            User = new UserIdentity { Username = "system:serviceaccount:ns1:app", Uid = "sa-uid", Groups = ["system:serviceaccounts", "system:serviceaccounts:ns1"] },
            Audiences = ["https://kubernetes.default.svc"],
        });
        Assert.True(accepted.Authenticated);
        Assert.Equal("system:serviceaccount:ns1:app", accepted.User);
        Assert.Equal("sa-uid", accepted.Uid);
        Assert.Equal(["system:serviceaccounts", "system:serviceaccounts:ns1"], accepted.Groups);
        Assert.Null(accepted.Error);

        var rejected = ServiceAccountMapping.ToReview(new TokenReviewResult { Authenticated = false, Error = "token has been invalidated" });
        Assert.False(rejected.Authenticated);
        Assert.Null(rejected.User);
        Assert.Empty(rejected.Groups);
        Assert.Equal("Not authenticated: token has been invalidated", rejected.ToString());
    }

    private static string Jwt(string payloadJson)
    {
        static string Part(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return Part("""{"alg":"RS256","kid":"k1"}""") + "." + Part(payloadJson) + ".c2lnbmF0dXJl";
    }
}

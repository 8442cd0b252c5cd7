using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace K8sServiceAccount.KubernetesClient.Tests;

/// <summary>
/// TokenRequest, TokenReview, the four access reviews and SelfSubjectReview through KubernetesClient's typed
/// calls, as admin and as a ServiceAccount with a token from TokenRequest; each answer's model against the wire.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ReviewTests(KubernetesClientFixture fixture)
{
    private const string Rbac = "rbac.authorization.k8s.io";

    private async Task<(string Ns, V1ServiceAccount Sa)> ServiceAccountWithConfigMapReaderAsync(string prefix)
    {
        IKubernetes k = fixture.Kc;
        string ns = await fixture.NewNamespaceAsync(prefix);
        V1ServiceAccount sa = await k.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "app" } }, ns);
        await k.RbacAuthorizationV1.CreateNamespacedRoleAsync(new V1Role
        {
            Metadata = new V1ObjectMeta { Name = "cm-reader" },
            Rules = [new V1PolicyRule { ApiGroups = [""], Resources = ["configmaps"], Verbs = ["get", "list"] }],
        }, ns);
        await k.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "app-cm-reader" },
            RoleRef = new V1RoleRef { ApiGroup = Rbac, Kind = "Role", Name = "cm-reader" },
            Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = "app", NamespaceProperty = ns }],
        }, ns);
        return (ns, sa);
    }

    private async Task<Authenticationv1TokenRequest> RequestTokenAsync(string ns, string name, string[] audiences, long seconds, V1BoundObjectReference? bound = null)
    {
        Authenticationv1TokenRequest answer = await fixture.Kc.CoreV1.CreateNamespacedServiceAccountTokenAsync(new Authenticationv1TokenRequest
        {
            Spec = new V1TokenRequestSpec { Audiences = audiences, ExpirationSeconds = seconds, BoundObjectRef = bound },
        }, name, ns);
        fixture.Wire.AssertModelIsWire(answer, HttpMethod.Post, $"/api/v1/namespaces/{ns}/serviceaccounts/{name}/token");
        return answer;
    }

    [Fact]
    public async Task TokenRequest_and_TokenReview()
    {
        (string ns, V1ServiceAccount sa) = await ServiceAccountWithConfigMapReaderAsync("token");
        DateTime before = DateTime.UtcNow;
        Authenticationv1TokenRequest token = await RequestTokenAsync(ns, "app", ["https://ci.example"], 3600);
        Assert.Equal("TokenRequest", token.Kind);
        Assert.Equal("authentication.k8s.io/v1", token.ApiVersion);
        Assert.Equal(["https://ci.example"], token.Spec.Audiences);
        Assert.Equal(3600, token.Spec.ExpirationSeconds);
        Assert.False(string.IsNullOrEmpty(token.Status.Token));
        Assert.InRange(token.Status.ExpirationTimestamp!.Value, before.AddSeconds(3600 - 5), DateTime.UtcNow.AddSeconds(3600 + 5));

        V1TokenReview review = await fixture.Kc.AuthenticationV1.CreateTokenReviewAsync(new V1TokenReview
        {
            Spec = new V1TokenReviewSpec { Token = token.Status.Token, Audiences = ["https://ci.example"] },
        });
        fixture.Wire.AssertModelIsWire(review, HttpMethod.Post, "/apis/authentication.k8s.io/v1/tokenreviews");
        Assert.Equal("TokenReview", review.Kind);
        Assert.True(review.Status.Authenticated);
        Assert.Equal($"system:serviceaccount:{ns}:app", review.Status.User.Username);
        Assert.Equal(sa.Metadata.Uid, review.Status.User.Uid);
        Assert.Equal(["system:serviceaccounts", $"system:serviceaccounts:{ns}", "system:authenticated"], review.Status.User.Groups);
        Assert.Equal(["https://ci.example"], review.Status.Audiences);
        Assert.Contains("authentication.kubernetes.io/credential-id", review.Status.User.Extra.Keys);

        // A token for another audience is not authenticated, with the reason in status.error.
        V1TokenReview wrongAudience = await fixture.Kc.AuthenticationV1.CreateTokenReviewAsync(new V1TokenReview
        {
            Spec = new V1TokenReviewSpec { Token = token.Status.Token, Audiences = ["https://other.example"] },
        });
        fixture.Wire.AssertModelIsWire(wrongAudience, HttpMethod.Post, "/apis/authentication.k8s.io/v1/tokenreviews");
        Assert.NotEqual(true, wrongAudience.Status.Authenticated);
        Assert.False(string.IsNullOrEmpty(wrongAudience.Status.Error));
    }

    [Fact]
    public async Task TokenRequest_bound_to_a_secret_and_its_errors()
    {
        (string ns, _) = await ServiceAccountWithConfigMapReaderAsync("bound");
        V1Secret secret = await fixture.Kc.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "anchor" }, StringData = new Dictionary<string, string> { ["k"] = "v" } }, ns);
        Authenticationv1TokenRequest token = await RequestTokenAsync(ns, "app", [], 600,
            new V1BoundObjectReference { Kind = "Secret", ApiVersion = "v1", Name = "anchor", Uid = secret.Metadata.Uid });
        Assert.Equal("Secret", token.Spec.BoundObjectRef.Kind);
        Assert.Equal(secret.Metadata.Uid, token.Spec.BoundObjectRef.Uid);
        Assert.NotEmpty(token.Spec.Audiences); // the API server's audiences

        HttpOperationException tooShort = await Assert.ThrowsAsync<HttpOperationException>(() => fixture.Kc.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { ExpirationSeconds = 599 } }, "app", ns));
        Assert.Equal((HttpStatusCode)422, tooShort.Response.StatusCode);
        Assert.Contains("may not specify a duration less than 10 minutes", tooShort.Response.Content);
        HttpOperationException missing = await Assert.ThrowsAsync<HttpOperationException>(() => fixture.Kc.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec() }, "nobody", ns));
        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);
        Assert.Contains("serviceaccounts \\\"nobody\\\" not found", missing.Response.Content);
    }

    [Fact]
    public async Task SubjectAccessReview_and_LocalSubjectAccessReview()
    {
        (string ns, _) = await ServiceAccountWithConfigMapReaderAsync("sar");
        string user = $"system:serviceaccount:{ns}:app";
        List<string> groups = ["system:serviceaccounts", $"system:serviceaccounts:{ns}", "system:authenticated"];

        V1SubjectAccessReview allowed = await fixture.Kc.AuthorizationV1.CreateSubjectAccessReviewAsync(new V1SubjectAccessReview
        {
            Spec = new V1SubjectAccessReviewSpec
            {
                User = user, Groups = groups,
                ResourceAttributes = new V1ResourceAttributes { NamespaceProperty = ns, Verb = "get", Resource = "configmaps", Name = "settings" },
            },
        });
        fixture.Wire.AssertModelIsWire(allowed, HttpMethod.Post, "/apis/authorization.k8s.io/v1/subjectaccessreviews");
        Assert.Equal("SubjectAccessReview", allowed.Kind);
        Assert.True(allowed.Status.Allowed);
        Assert.Equal($"RBAC: allowed by RoleBinding \"app-cm-reader/{ns}\" of Role \"cm-reader\" to ServiceAccount \"app/{ns}\"", allowed.Status.Reason);

        V1SubjectAccessReview denied = await fixture.Kc.AuthorizationV1.CreateSubjectAccessReviewAsync(new V1SubjectAccessReview
        {
            Spec = new V1SubjectAccessReviewSpec
            {
                User = user, Groups = groups,
                ResourceAttributes = new V1ResourceAttributes { NamespaceProperty = ns, Verb = "delete", Resource = "configmaps" },
            },
        });
        fixture.Wire.AssertModelIsWire(denied, HttpMethod.Post, "/apis/authorization.k8s.io/v1/subjectaccessreviews");
        Assert.False(denied.Status.Allowed);
        Assert.NotEqual(true, denied.Status.Denied);

        V1LocalSubjectAccessReview local = await fixture.Kc.AuthorizationV1.CreateNamespacedLocalSubjectAccessReviewAsync(new V1LocalSubjectAccessReview
        {
            Spec = new V1SubjectAccessReviewSpec
            {
                User = user, Groups = groups,
                ResourceAttributes = new V1ResourceAttributes { NamespaceProperty = ns, Verb = "list", Resource = "configmaps" },
            },
        }, ns);
        fixture.Wire.AssertModelIsWire(local, HttpMethod.Post, $"/apis/authorization.k8s.io/v1/namespaces/{ns}/localsubjectaccessreviews");
        Assert.Equal("LocalSubjectAccessReview", local.Kind);
        Assert.Equal(ns, local.Metadata.NamespaceProperty);
        Assert.True(local.Status.Allowed);

        HttpOperationException mismatch = await Assert.ThrowsAsync<HttpOperationException>(() => fixture.Kc.AuthorizationV1.CreateNamespacedLocalSubjectAccessReviewAsync(new V1LocalSubjectAccessReview
        {
            Spec = new V1SubjectAccessReviewSpec { User = user, ResourceAttributes = new V1ResourceAttributes { NamespaceProperty = "other", Verb = "get", Resource = "pods" } },
        }, ns));
        Assert.Equal((HttpStatusCode)422, mismatch.Response.StatusCode);
        Assert.Contains("must match metadata.namespace", mismatch.Response.Content);
    }

    [Fact]
    public async Task Self_reviews_as_admin_and_as_a_ServiceAccount()
    {
        (string ns, V1ServiceAccount sa) = await ServiceAccountWithConfigMapReaderAsync("self");

        // As admin (client certificate in system:masters).
        V1SelfSubjectAccessReview adminCheck = await fixture.Kc.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(new V1SelfSubjectAccessReview
        {
            Spec = new V1SelfSubjectAccessReviewSpec { ResourceAttributes = new V1ResourceAttributes { Verb = "delete", Resource = "nodes" } },
        });
        fixture.Wire.AssertModelIsWire(adminCheck, HttpMethod.Post, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews");
        Assert.True(adminCheck.Status.Allowed);
        V1SelfSubjectReview adminWho = await fixture.Kc.AuthenticationV1.CreateSelfSubjectReviewAsync(new V1SelfSubjectReview());
        fixture.Wire.AssertModelIsWire(adminWho, HttpMethod.Post, "/apis/authentication.k8s.io/v1/selfsubjectreviews");
        Assert.Equal("SelfSubjectReview", adminWho.Kind);
        Assert.Equal("admin", adminWho.Status.UserInfo.Username);
        Assert.Contains("system:masters", adminWho.Status.UserInfo.Groups);
        Assert.Contains("system:authenticated", adminWho.Status.UserInfo.Groups);
        Assert.NotNull(adminWho.Metadata.CreationTimestamp);
        V1SelfSubjectRulesReview adminRules = await fixture.Kc.AuthorizationV1.CreateSelfSubjectRulesReviewAsync(new V1SelfSubjectRulesReview
        {
            Spec = new V1SelfSubjectRulesReviewSpec { NamespaceProperty = ns },
        });
        fixture.Wire.AssertModelIsWire(adminRules, HttpMethod.Post, "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews");
        Assert.Contains(adminRules.Status.ResourceRules, r => r.Verbs.Contains("*") && r.Resources.Contains("*") && r.ApiGroups.Contains("*"));
        Assert.False(adminRules.Status.Incomplete);

        // As the ServiceAccount, with a token from TokenRequest.
        Authenticationv1TokenRequest token = await RequestTokenAsync(ns, "app", [], 3600);
        (IKubernetes asSa, WireRecorder wire) = fixture.KcWithToken(token.Status.Token);
        using (asSa)
        {
            V1SelfSubjectReview who = await asSa.AuthenticationV1.CreateSelfSubjectReviewAsync(new V1SelfSubjectReview());
            wire.AssertModelIsWire(who, HttpMethod.Post, "/apis/authentication.k8s.io/v1/selfsubjectreviews");
            Assert.Equal($"system:serviceaccount:{ns}:app", who.Status.UserInfo.Username);
            Assert.Equal(sa.Metadata.Uid, who.Status.UserInfo.Uid);
            Assert.Equal(["system:serviceaccounts", $"system:serviceaccounts:{ns}", "system:authenticated"], who.Status.UserInfo.Groups);

            foreach ((string verb, bool expected) in new[] { ("list", true), ("delete", false) })
            {
                V1SelfSubjectAccessReview check = await asSa.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(new V1SelfSubjectAccessReview
                {
                    Spec = new V1SelfSubjectAccessReviewSpec { ResourceAttributes = new V1ResourceAttributes { NamespaceProperty = ns, Verb = verb, Resource = "configmaps" } },
                });
                wire.AssertModelIsWire(check, HttpMethod.Post, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews");
                Assert.Equal(expected, check.Status.Allowed);
            }
            V1SelfSubjectAccessReview healthz = await asSa.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(new V1SelfSubjectAccessReview
            {
                Spec = new V1SelfSubjectAccessReviewSpec { NonResourceAttributes = new V1NonResourceAttributes { Path = "/healthz", Verb = "get" } },
            });
            Assert.True(healthz.Status.Allowed);

            V1SelfSubjectRulesReview rules = await asSa.AuthorizationV1.CreateSelfSubjectRulesReviewAsync(new V1SelfSubjectRulesReview
            {
                Spec = new V1SelfSubjectRulesReviewSpec { NamespaceProperty = ns },
            });
            wire.AssertModelIsWire(rules, HttpMethod.Post, "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews");
            Assert.Contains(rules.Status.ResourceRules, r => r.Resources.SequenceEqual(["configmaps"]) && r.Verbs.SequenceEqual(["get", "list"]) && r.ApiGroups.SequenceEqual([""]));
            Assert.Contains(rules.Status.NonResourceRules, r => r.NonResourceURLs.Contains("/healthz"));

            // What the ServiceAccount may not do is a typed 403 with the server's message.
            HttpOperationException forbidden = await Assert.ThrowsAsync<HttpOperationException>(() => asSa.CoreV1.ListNamespacedSecretAsync(ns));
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.Response.StatusCode);
            Assert.Contains($"secrets is forbidden: User \\\"system:serviceaccount:{ns}:app\\\" cannot list resource \\\"secrets\\\" in API group \\\"\\\" in the namespace \\\"{ns}\\\"", forbidden.Response.Content);
            V1ConfigMapList allowedList = await asSa.CoreV1.ListNamespacedConfigMapAsync(ns);
            Assert.Equal("ConfigMapList", allowedList.Kind);
        }
    }
}

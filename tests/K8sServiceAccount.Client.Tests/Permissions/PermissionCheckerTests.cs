using System.Text.Json.Nodes;
using K8sServiceAccount.Client.Http;
using K8sServiceAccount.Client.Permissions;

namespace K8sServiceAccount.Client.Tests.Permissions;

public sealed class PermissionCheckerTests
{
    private const string Ssar = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
    private const string Sar = "/apis/authorization.k8s.io/v1/subjectaccessreviews";

    /// <summary>A server that answers discovery, and reviews by echoing the body with the given status.</summary>
    private static FakeKubernetes Server(Func<SentRequest, JsonObject> status, bool canImpersonate = true)
        => new(r =>
        {
            if (DiscoveryFixture.Answer(r.Path) is { } discovery)
            {
                return discovery;
            }
            var body = r.Json!.AsObject();
            body["status"] = status(r);
            return body.ToJsonString();
        }, canImpersonate);

    private static JsonObject Allowed(string reason = "") => new() { ["allowed"] = true, ["reason"] = reason };

    private static JsonObject Denied() => new() { ["allowed"] = false };

    private static IEnumerable<SentRequest> Reviews(FakeKubernetes fake) => fake.Requests.Where(r => r.Method == "POST");

    [Fact]
    public async Task Self_check_sends_the_SelfSubjectAccessReview_kubectl_sends()
    {
        var fake = Server(_ => Allowed("RBAC: allowed by ClusterRoleBinding \"x\" of ClusterRole \"y\" to User \"me\""));
        var result = await new PermissionChecker(fake).CheckAsync(new PermissionCheck { Verb = "update", Resource = "deploy/scale", Namespace = "ns1", Name = "web" });

        var review = Assert.Single(Reviews(fake));
        Assert.Equal(Ssar, review.Path);
        Assert.Null(review.Impersonation);
        Assert.Equal(
            """{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","spec":{"resourceAttributes":{"namespace":"ns1","verb":"update","group":"apps","resource":"deployments","subresource":"scale","name":"web"}}}""",
            review.Body);
        Assert.True(result.Allowed);
        Assert.Equal(PermissionCheckMethod.SelfSubjectAccessReview, result.Method);
        Assert.Equal(("(self)", "ns1", "update", "apps", "deployments", "scale", "web"),
            (result.Subject, result.Namespace, result.Verb, result.Group, result.Resource, result.Subresource, result.Name));
        Assert.StartsWith("RBAC: allowed by", result.Reason);
    }

    [Fact]
    public async Task Empty_attributes_are_left_out_and_all_namespaces_is_an_empty_namespace()
    {
        var fake = Server(_ => Denied());
        var result = await new PermissionChecker(fake).CheckAsync(new PermissionCheck { Verb = "list", Resource = "pods", Namespace = "" });
        Assert.Equal("""{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","spec":{"resourceAttributes":{"verb":"list","resource":"pods"}}}""", Reviews(fake).Single().Body);
        Assert.False(result.Allowed);
        Assert.Equal("", result.Reason);
    }

    [Fact]
    public async Task Non_resource_check_sends_nonResourceAttributes()
    {
        var fake = Server(_ => Allowed());
        var result = await new PermissionChecker(fake).CheckAsync(new PermissionCheck { Verb = "get", NonResourceUrl = "/healthz", Namespace = "ns1" });
        Assert.Equal("""{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","spec":{"nonResourceAttributes":{"path":"/healthz","verb":"get"}}}""", Reviews(fake).Single().Body);
        Assert.Equal(("", "/healthz", ""), (result.Namespace, result.NonResourceUrl, result.Resource));
        Assert.DoesNotContain(fake.Requests, r => r.Path == "/apis"); // no discovery for URLs
    }

    [Fact]
    public async Task ServiceAccount_check_sends_a_SubjectAccessReview_with_the_three_implicit_groups()
    {
        var fake = Server(_ => Denied());
        var check = new PermissionCheck { Verb = "get", Resource = "secrets", Namespace = "prod", Subject = PermissionSubject.ParseServiceAccount("dev/builder") };
        var result = await new PermissionChecker(fake).CheckAsync(check);
        var review = Reviews(fake).Single();
        Assert.Equal(Sar, review.Path);
        Assert.Equal(
            """{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"resourceAttributes":{"namespace":"prod","verb":"get","resource":"secrets"},"user":"system:serviceaccount:dev:builder","groups":["system:serviceaccounts","system:serviceaccounts:dev","system:authenticated"]}}""",
            review.Body);
        Assert.Equal(("system:serviceaccount:dev:builder", PermissionCheckMethod.SubjectAccessReview, false), (result.Subject, result.Method, result.Allowed));
    }

    [Theory]
    [InlineData("alice", new[] { "dev" }, "\"user\":\"alice\",\"groups\":[\"dev\",\"system:authenticated\"]")]
    [InlineData("alice", new[] { "system:authenticated", "dev" }, "\"user\":\"alice\",\"groups\":[\"system:authenticated\",\"dev\"]")]
    [InlineData("system:anonymous", new[] { "system:unauthenticated" }, "\"user\":\"system:anonymous\",\"groups\":[\"system:unauthenticated\"]")]
    [InlineData(null, new[] { "ops" }, "\"groups\":[\"ops\",\"system:authenticated\"]")]
    // As the server derives them when impersonating (kubectl --as): a ServiceAccount user name without groups carries the
    // ServiceAccount groups, and the anonymous user the unauthenticated group.
    [InlineData("system:serviceaccount:dev:builder", new string[0], "\"user\":\"system:serviceaccount:dev:builder\",\"groups\":[\"system:serviceaccounts\",\"system:serviceaccounts:dev\",\"system:authenticated\"]")]
    [InlineData("system:serviceaccount:dev:builder", new[] { "qa" }, "\"user\":\"system:serviceaccount:dev:builder\",\"groups\":[\"qa\",\"system:authenticated\"]")]
    [InlineData("system:anonymous", new string[0], "\"user\":\"system:anonymous\",\"groups\":[\"system:unauthenticated\"]")]
    public async Task User_check_carries_the_groups_the_server_would_give_that_user(string? user, string[] groups, string expected)
    {
        var fake = Server(_ => Allowed());
        await new PermissionChecker(fake).CheckAsync(new PermissionCheck { Verb = "get", Resource = "pods", Namespace = "a", Subject = PermissionSubject.User(user, groups) });
        Assert.Contains(expected, Reviews(fake).Single().Body);
    }

    [Fact]
    public async Task Forbidden_SubjectAccessReview_falls_back_to_impersonation_once_and_for_all()
    {
        var fake = Server(r => r.Path == Sar
            ? throw FakeKubernetes.Error(403, "Forbidden", "subjectaccessreviews.authorization.k8s.io is forbidden: User \"me\" cannot create resource \"subjectaccessreviews\" in API group \"authorization.k8s.io\" at the cluster scope")
            : r.Impersonation?.UserName == "system:serviceaccount:dev:builder" ? Allowed() : Denied());
        var checker = new PermissionChecker(fake);
        var subject = PermissionSubject.ServiceAccount("dev", "builder");
        var first = await checker.CheckAsync(new PermissionCheck { Verb = "get", Resource = "pods", Namespace = "dev", Subject = subject });
        var second = await checker.CheckAsync(new PermissionCheck { Verb = "list", Resource = "pods", Namespace = "dev", Subject = subject });

        Assert.Equal((true, PermissionCheckMethod.Impersonation), (first.Allowed, first.Method));
        Assert.Equal(PermissionCheckMethod.Impersonation, second.Method);
        Assert.Equal(1, Reviews(fake).Count(r => r.Path == Sar));
        var impersonated = Reviews(fake).Where(r => r.Path == Ssar).ToList();
        Assert.Equal(2, impersonated.Count);
        Assert.All(impersonated, r => Assert.Empty(r.Impersonation!.Groups)); // the server adds the SA groups itself
        Assert.DoesNotContain("\"user\"", impersonated[0].Body);
    }

    [Fact]
    public async Task User_impersonation_carries_the_groups()
    {
        var fake = Server(r => r.Path == Sar ? throw FakeKubernetes.Error(403, "Forbidden", "no SAR") : Denied());
        await new PermissionChecker(fake).CheckAsync(new PermissionCheck { Verb = "get", Resource = "pods", Namespace = "a", Subject = PermissionSubject.User("bob", ["qa"]) });
        var impersonation = Reviews(fake).Single(r => r.Path == Ssar).Impersonation!;
        Assert.Equal("bob", impersonation.UserName);
        Assert.Equal(["qa"], impersonation.Groups);
    }

    [Fact]
    public async Task Forbidden_impersonation_is_an_error_naming_both_refusals()
    {
        var fake = Server(r => r.Path == Sar
            ? throw FakeKubernetes.Error(403, "Forbidden", "no SAR for you")
            : throw FakeKubernetes.Error(403, "Forbidden", "serviceaccounts \"builder\" is forbidden: User \"me\" cannot impersonate resource \"serviceaccounts\" in API group \"\" in the namespace \"dev\""));
        var error = await Assert.ThrowsAsync<K8sClientException>(() => new PermissionChecker(fake).CheckAsync(
            new PermissionCheck { Verb = "get", Resource = "pods", Namespace = "dev", Subject = PermissionSubject.ServiceAccount("dev", "builder") }));
        Assert.Equal((PermissionErrors.CheckForbidden, K8sErrorCategory.PermissionDenied), (error.ErrorId, error.Category));
        Assert.Contains("no SAR for you", error.Message);
        Assert.Contains("cannot impersonate resource \"serviceaccounts\"", error.Message);
        Assert.IsType<KubernetesApiException>(error.InnerException);
    }

    [Fact]
    public async Task Without_impersonation_support_a_forbidden_SAR_is_an_error()
    {
        var fake = Server(r => r.Path == Sar ? throw FakeKubernetes.Error(403, "Forbidden", "no SAR") : Denied());
        var error = await Assert.ThrowsAsync<K8sClientException>(() => new PermissionChecker(new PlainTransport(fake)).CheckAsync(
            new PermissionCheck { Verb = "get", Resource = "pods", Namespace = "dev", Subject = PermissionSubject.ServiceAccount("dev", "builder") }));
        Assert.Equal(PermissionErrors.CheckForbidden, error.ErrorId);
        Assert.Contains("cannot impersonate", error.Message);
    }

    [Fact]
    public async Task Other_server_errors_propagate_unchanged()
    {
        var fake = Server(_ => throw FakeKubernetes.Error(401, "Unauthorized", "Unauthorized"));
        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => new PermissionChecker(fake).CheckAsync(new PermissionCheck { Verb = "get", NonResourceUrl = "/api" }));
        Assert.Equal("KubernetesUnauthorized", error.ErrorId);
    }

    [Fact]
    public async Task Evaluation_error_and_reason_are_kept()
    {
        var fake = Server(_ => new JsonObject { ["allowed"] = false, ["reason"] = "RBAC: role.rbac.authorization.k8s.io \"gone\" not found", ["evaluationError"] = "webhook timed out" });
        var result = await new PermissionChecker(fake).CheckAsync(new PermissionCheck { Verb = "get", Resource = "pods", Namespace = "a" });
        Assert.Equal(("RBAC: role.rbac.authorization.k8s.io \"gone\" not found", "webhook timed out"), (result.Reason, result.EvaluationError));
    }

    [Theory]
    [InlineData("", "pods", null, "InvalidVerb")]
    [InlineData("get", null, null, "InvalidResource")]
    [InlineData("get", null, "healthz", "InvalidNonResourceUrl")]
    [InlineData("get", "pods", "/healthz", "InvalidNonResourceUrl")]
    public async Task Bad_checks_fail_before_any_request(string verb, string? resource, string? url, string errorId)
    {
        var fake = Server(_ => Allowed());
        var error = await Assert.ThrowsAsync<K8sClientException>(() => new PermissionChecker(fake).CheckAsync(new PermissionCheck { Verb = verb, Resource = resource, NonResourceUrl = url }));
        Assert.Equal(errorId, error.ErrorId);
        Assert.Empty(fake.Requests);
    }

    [Theory]
    [InlineData("dev/app", "dev", "app")]
    [InlineData("dev:app", "dev", "app")]
    [InlineData("system:serviceaccount:dev:app", "dev", "app")]
    [InlineData("app", "fallback", "app")]
    public void ServiceAccount_subjects_parse(string text, string ns, string name)
    {
        var subject = PermissionSubject.ParseServiceAccount(text, "fallback");
        Assert.Equal((ns, name), (subject.Namespace, subject.Name));
    }

    [Theory]
    [InlineData("app")]
    [InlineData("a/b/c")]
    [InlineData("/app")]
    [InlineData("system:serviceaccount:Bad:app")]
    // A name no ServiceAccount can have would only ever be answered "no": the typo is reported instead.
    [InlineData("Dev/app")]
    [InlineData("dev/sample_sa")]
    [InlineData("dev.team:app")]
    public void Bad_ServiceAccount_subjects_are_argument_errors(string text)
        => Assert.Equal("InvalidServiceAccount", Assert.Throws<K8sClientException>(() => PermissionSubject.ParseServiceAccount(text)).ErrorId);

    [Fact]
    public void ServiceAccount_errors_name_the_parameter_given()
    {
        var error = Assert.Throws<K8sClientException>(() => PermissionSubject.ParseServiceAccount("dev/sample_sa", parameter: "DifferenceServiceAccount"));
        Assert.Equal(("InvalidDifferenceServiceAccount", "DifferenceServiceAccount"), (error.ErrorId, error.Target));
        Assert.Contains("-DifferenceServiceAccount", error.Message);
        Assert.Contains("\"sample_sa\"", error.Message);
        Assert.Contains("RFC 1123 subdomain", error.Message);
    }

    [Fact]
    public async Task Own_rules_come_from_a_SelfSubjectRulesReview()
    {
        var fake = new FakeKubernetes(r => """
            {"kind":"SelfSubjectRulesReview","apiVersion":"authorization.k8s.io/v1","spec":{},"status":{
              "resourceRules":[{"verbs":["get","list"],"apiGroups":[""],"resources":["pods"]},{"verbs":["get"],"apiGroups":["apps"],"resources":["deployments"],"resourceNames":["web"]}],
              "nonResourceRules":[{"verbs":["get"],"nonResourceURLs":["/healthz"]}],
              "incomplete":true,"evaluationError":"webhook authorizer does not support user rule resolution"}}
            """);
        var review = await new PermissionChecker(fake).ReviewOwnRulesAsync("ns1");
        Assert.Equal("""{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectRulesReview","spec":{"namespace":"ns1"}}""", fake.Requests.Single().Body);
        Assert.Equal("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", fake.Requests.Single().Path);
        Assert.True(review.Incomplete);
        Assert.Equal("webhook authorizer does not support user rule resolution", review.EvaluationError);
        Assert.Equal(3, review.Rules.Count);
        Assert.Equal("{APIGroups:[\"apps\"], Resources:[\"deployments\"], ResourceNames:[\"web\"], Verbs:[\"get\"]}", review.Rules[1].ToString());
        Assert.Equal(("ns1", ""), (review.Rules[0].Scope, review.Rules[2].Scope));
        Assert.Equal("InvalidNamespace", (await Assert.ThrowsAsync<K8sClientException>(() => new PermissionChecker(fake).ReviewOwnRulesAsync(""))).ErrorId);
    }
}

using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Rbac;
using static K8sServiceAccount.Client.Tests.Rbac.R;

namespace K8sServiceAccount.Client.Tests.Rbac;

/// <summary>Impersonation (§1.10), forbidden messages (§4) and RBAC object validation (§1.9).</summary>
public sealed class ImpersonationAndMessagesTests
{
    private static readonly UserInfo Alice = User("alice", "system:authenticated");

    [Fact]
    public void Impersonating_a_ServiceAccount_checks_serviceaccounts_and_adds_its_groups()
    {
        var plan = Impersonation.Plan(Alice, "system:serviceaccount:ns1:builder");
        var check = Assert.Single(plan.Checks);
        Assert.Equal(("impersonate", "serviceaccounts", "ns1", "builder", ""), (check.Verb, check.Resource, check.Namespace, check.Name, check.ApiGroup));
        Assert.Same(Alice, check.User);
        Assert.Equal("system:serviceaccount:ns1:builder", plan.Identity.Name);
        Assert.Equal(["system:serviceaccounts", "system:serviceaccounts:ns1", "system:authenticated"], plan.Identity.Groups);
    }

    [Fact]
    public void Impersonating_a_ServiceAccount_with_explicit_groups_uses_only_those()
    {
        var plan = Impersonation.Plan(Alice, "system:serviceaccount:ns1:builder", ["ops"]);
        Assert.Equal(["serviceaccounts", "groups"], plan.Checks.Select(c => c.Resource));
        Assert.Equal(["ops", "system:authenticated"], plan.Identity.Groups);
    }

    [Fact]
    public void Impersonating_a_user_with_groups_uid_and_extra()
    {
        var plan = Impersonation.Plan(Alice, "bob", ["devs", "system:authenticated"], "uid-1",
            new Dictionary<string, IReadOnlyList<string>> { ["scopes"] = ["a", "b"] });
        Assert.Equal(
            ["users|bob||", "groups|devs||", "groups|system:authenticated||", "userextras|a|scopes|authentication.k8s.io", "userextras|b|scopes|authentication.k8s.io", "uids|uid-1||authentication.k8s.io"],
            plan.Checks.Select(c => $"{c.Resource}|{c.Name}|{c.Subresource}|{c.ApiGroup}"));
        Assert.All(plan.Checks, c => Assert.Equal("", c.Namespace));
        Assert.Equal(new[] { "devs", "system:authenticated" }, plan.Identity.Groups);
        Assert.Equal("uid-1", plan.Identity.Uid);
        Assert.Equal(["a", "b"], plan.Identity.Extra!["scopes"]);
    }

    [Fact]
    public void A_name_that_is_not_a_valid_ServiceAccount_is_a_plain_user()
    {
        var plan = Impersonation.Plan(Alice, "system:serviceaccount:NS:x");
        Assert.Equal("users", plan.Checks[0].Resource);
        Assert.Equal("system:serviceaccount:NS:x", plan.Identity.Name);
        Assert.Equal(["system:authenticated"], plan.Identity.Groups);
    }

    [Fact]
    public void Impersonating_anonymous_adds_system_unauthenticated()
    {
        Assert.Equal(["system:unauthenticated"], Impersonation.Plan(Alice, "system:anonymous").Identity.Groups);
        Assert.Equal(["g", "system:unauthenticated"], Impersonation.Plan(Alice, "bob", ["g", "system:unauthenticated"]).Identity.Groups);
    }

    [Fact]
    public void Groups_without_a_user_are_rejected_with_the_API_server_message()
    {
        var error = Assert.Throws<K8sClientException>(() => Impersonation.Plan(Alice, null, ["devs"], "u1"));
        Assert.Equal("ImpersonationWithoutUser", error.ErrorId);
        Assert.Equal("requested [{Group  devs    } {UID  u1  authentication.k8s.io/v1  }] without impersonating a user", error.Message);
    }

    [Fact]
    public void No_impersonation_at_all_has_no_checks()
    {
        var plan = Impersonation.Plan(Alice, "");
        Assert.Empty(plan.Checks);
    }

    [Fact]
    public void Impersonation_checks_are_authorized_by_RBAC()
    {
        var policy = new InMemoryRbacPolicy();
        policy.Add(Role("ns1", "impersonator", Rule("impersonate", "", "serviceaccounts", "builder")));
        policy.Add(Rb("ns1", "alice-impersonates", "Role", "impersonator", UserSubject("alice")));
        var authorizer = new RbacAuthorizer(policy);
        Assert.True(authorizer.Authorize(Impersonation.Plan(Alice, "system:serviceaccount:ns1:builder").Checks[0]).Allowed);
        var denied = Impersonation.Plan(Alice, "system:serviceaccount:ns1:deployer").Checks[0];
        Assert.False(authorizer.Authorize(denied).Allowed);
        Assert.Equal("serviceaccounts \"deployer\" is forbidden: User \"alice\" cannot impersonate resource \"serviceaccounts\" in API group \"\" in the namespace \"ns1\"", ForbiddenMessage.For(denied));
        Assert.Equal("users \"bob\" is forbidden: User \"alice\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope", ForbiddenMessage.For(Impersonation.Plan(Alice, "bob").Checks[0]));
    }

    [Fact]
    public void Forbidden_messages()
    {
        var sa = Sa("ns1", "app");
        Assert.Equal("deployments.apps \"web\" is forbidden: User \"system:serviceaccount:ns1:app\" cannot patch resource \"deployments/scale\" in API group \"apps\" in the namespace \"ns1\"",
            ForbiddenMessage.For(Res(sa, "patch", "deployments", "ns1", "apps", "scale", "web")));
        Assert.Equal("serviceaccounts is forbidden: User \"X\" cannot create resource \"serviceaccounts\" in API group \"\" in the namespace \"ns\"",
            ForbiddenMessage.For(Res(User("X"), "create", "serviceaccounts", "ns")));
        Assert.Equal("forbidden: User \"system:anonymous\" cannot get path \"/apis\"", ForbiddenMessage.For(Path(User("system:anonymous"), "get", "/apis")));
        Assert.Equal("nodes is forbidden: User \"u\" cannot list resource \"nodes\" in API group \"\" at the cluster scope: RBAC: clusterrole.rbac.authorization.k8s.io \"x\" not found",
            ForbiddenMessage.For(Res(User("u"), "list", "nodes"), "RBAC: clusterrole.rbac.authorization.k8s.io \"x\" not found"));
    }

    [Fact]
    public void Valid_objects_have_no_errors()
    {
        var binding = Rb("ns1", "b", "ClusterRole", "view", UserSubject("u"), GroupSubject("g"), SaSubject("app"));
        Assert.Empty(RbacValidation.Validate(binding));
        Assert.Empty(RbacValidation.Validate(ClusterRole("system:basic-user", Rule("get", "", "pods"), Urls("get", "/healthz"))));
        Assert.Empty(RbacValidation.Validate(Role("ns1", "Upper:Case", Rule("get", "", "pods"))));
        foreach (var role in BootstrapPolicy.ClusterRoles) Assert.Empty(RbacValidation.Validate(role));
        foreach (var crb in BootstrapPolicy.ClusterRoleBindings) Assert.Empty(RbacValidation.Validate(crb));
    }

    [Fact]
    public void Role_and_ClusterRole_errors()
    {
        var role = new Role { Metadata = new ObjectMeta { Name = "a/b" }, Rules = [new PolicyRule(), Urls("get", "/healthz")] };
        Assert.Equal(
        [
            "metadata.name: Invalid value: \"a/b\": may not contain '/'",
            "rules[0].verbs: Required value: verbs must contain at least one value",
            "rules[0].apiGroups: Required value: resource rules must supply at least one api group",
            "rules[0].resources: Required value: resource rules must supply at least one resource",
            "rules[1].nonResourceURLs: Invalid value: []string{\"/healthz\"}: namespaced rules cannot apply to non-resource URLs",
        ], RbacValidation.Validate(role).Select(e => e.Message));

        var mixed = ClusterRole("..", new PolicyRule { Verbs = ["get"], ApiGroups = [""], NonResourceURLs = ["/x"] });
        mixed.AggregationRule = new AggregationRule { ClusterRoleSelectors = [] };
        var errors = RbacValidation.Validate(mixed);
        Assert.Equal(
        [
            "metadata.name: Invalid value: \"..\": may not be '..'",
            "rules[0].nonResourceURLs: Invalid value: []string{\"/x\"}: rules cannot apply to both regular resources and non-resource URLs",
            "aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil",
        ], errors.Select(e => e.Message));
        Assert.Equal(["FieldValueInvalid", "FieldValueInvalid", "FieldValueRequired"], errors.Select(e => e.Reason));
        Assert.Equal("ClusterRole.rbac.authorization.k8s.io \"..\" is invalid: [" + string.Join(", ", errors.Select(e => e.Message)) + "]", RbacValidation.InvalidMessage("ClusterRole", "..", errors));
        Assert.Equal("metadata.name: Required value: name or generateName is required", Assert.Single(RbacValidation.Validate(new ClusterRole())).Message);
    }

    [Fact]
    public void Binding_errors_after_defaulting()
    {
        var binding = new ClusterRoleBinding
        {
            Metadata = new ObjectMeta { Name = "b" },
            RoleRef = new RoleRef { Kind = "Role", Name = "r" },
            Subjects =
            [
                new Subject { Kind = "ServiceAccount", Name = "App" },
                new Subject { Kind = "User", ApiGroup = "v1", Name = "u" },
                new Subject { Kind = "Robot", Name = "r2" },
                new Subject { Kind = "Group" },
                new Subject { Kind = "ServiceAccount", ApiGroup = "rbac.authorization.k8s.io", Name = "x", Namespace = "ns1" },
            ],
        };
        RbacValidation.ApplyDefaults(binding);
        Assert.Equal("rbac.authorization.k8s.io", binding.RoleRef.ApiGroup);
        Assert.Equal("rbac.authorization.k8s.io", binding.Subjects[3].ApiGroup);
        var errors = RbacValidation.Validate(binding);
        Assert.Equal(
        [
            "roleRef.kind: Unsupported value: \"Role\": supported values: \"ClusterRole\"",
            "subjects[0].name: Invalid value: \"App\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
            "subjects[0].namespace: Required value",
            "subjects[1].apiGroup: Unsupported value: \"v1\": supported values: \"rbac.authorization.k8s.io\"",
            "subjects[2].kind: Unsupported value: \"Robot\": supported values: \"ServiceAccount\", \"User\", \"Group\"",
            "subjects[3].name: Required value",
            "subjects[4].apiGroup: Unsupported value: \"rbac.authorization.k8s.io\": supported values: \"\"",
        ], errors.Select(e => e.Message));
    }

    [Fact]
    public void Label_selector_errors_in_aggregationRule()
    {
        var role = ClusterRole("agg");
        role.AggregationRule = new AggregationRule
        {
            ClusterRoleSelectors = [new LabelSelector { MatchExpressions = [new() { Key = "a", Operator = "In" }, new() { Key = "b", Operator = "Exists", Values = ["x"] }, new() { Key = "c", Operator = "Equals" }] }],
        };
        Assert.Equal(
        [
            "aggregationRule.clusterRoleSelectors[0].matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
            "aggregationRule.clusterRoleSelectors[0].matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            "aggregationRule.clusterRoleSelectors[0].matchExpressions[2].operator: Invalid value: \"Equals\": not a valid selector operator",
        ], RbacValidation.Validate(role).Select(e => e.Message));
    }
}

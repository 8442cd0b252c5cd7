using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using k8s;
using k8s.Models;
using K8sServiceAccount.Client.Api;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Permissions;

namespace K8sServiceAccount.KubernetesClient.Tests;

/// <summary>
/// Our client and KubernetesClient against each other: what one writes, the other reads back field by field,
/// both ways; and our update (read, change, write back with our smaller model) keeps every field KubernetesClient
/// wrote. The answers of the reviews agree as well.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class CrossCheckTests(KubernetesClientFixture fixture)
{
    private const string Rbac = "rbac.authorization.k8s.io";

    private static JsonNode Ours<T>(T value, JsonTypeInfo<T> type) => JsonNode.Parse(JsonSerializer.Serialize(value, type))!;

    private static JsonNode Theirs(object value) => JsonNode.Parse(KubernetesJson.Serialize(value))!;

    /// <summary>Same object read by both clients: our model's fields must all be in theirs with the same values, and the reverse.</summary>
    private static void AssertSame(JsonNode ours, JsonNode theirs, string what)
    {
        JsonCompare.AssertSubset(ours, theirs, $"{what}: fields our client has that KubernetesClient does not (or has otherwise)");
        JsonCompare.AssertSubset(theirs, ours, $"{what}: fields KubernetesClient has that our client's model lost");
    }

    private RbacObjectOperations OurRbac => new(fixture.Ours);

    [Fact]
    public async Task What_our_client_creates_KubernetesClient_reads_the_same()
    {
        IKubernetes k = fixture.Kc;
        string ns = fixture.Unique("ours");
        Client.Models.Namespace createdNs = await fixture.Ours.SendAsync(HttpMethod.Post, "/api/v1/namespaces",
            new Client.Models.Namespace { Metadata = new ObjectMeta { Name = ns, Labels = new() { ["team"] = "a" } } },
            KubeJsonContext.Default.Namespace, KubeJsonContext.Default.Namespace, CancellationToken.None);
        // Our Namespace model is metadata only (the client never reads a namespace back to write it), so one way.
        JsonCompare.AssertSubset(Ours(createdNs, KubeJsonContext.Default.Namespace), Theirs(await k.CoreV1.ReadNamespaceAsync(ns)), "Namespace");

        var accounts = new ServiceAccountOperations(fixture.Ours);
        ServiceAccount sa = await accounts.CreateAsync(new ServiceAccountDefinition
        {
            Namespace = ns, Name = "app",
            Labels = new Dictionary<string, string> { ["app"] = "web" },
            Annotations = new Dictionary<string, string> { ["owner"] = "team-a" },
            ImagePullSecrets = ["registry"],
            AutomountServiceAccountToken = false,
        });
        V1ServiceAccount saTheirs = await k.CoreV1.ReadNamespacedServiceAccountAsync("app", ns);
        AssertSame(Ours(sa, KubeJsonContext.Default.ServiceAccount), Theirs(saTheirs), "ServiceAccount");
        Assert.False(saTheirs.AutomountServiceAccountToken);
        Assert.Equal("registry", saTheirs.ImagePullSecrets.Single().Name);

        var tokens = new TokenOperations(fixture.Ours);
        LegacyServiceAccountToken legacy = await tokens.GetOrCreateLegacyTokenAsync(ns, "app", TimeSpan.FromSeconds(10));
        Secret secret = (await tokens.FindLegacyTokenSecretAsync(ns, "app"))!;
        V1Secret secretTheirs = await k.CoreV1.ReadNamespacedSecretAsync(legacy.SecretName, ns);
        AssertSame(Ours(secret, KubeJsonContext.Default.Secret), Theirs(secretTheirs), "legacy token Secret");
        Assert.Equal("kubernetes.io/service-account-token", secretTheirs.Type);
        Assert.Equal(legacy.Token, System.Text.Encoding.UTF8.GetString(secretTheirs.Data["token"]));
        Assert.Equal(sa.Metadata.Uid, secretTheirs.Metadata.Annotations["kubernetes.io/service-account.uid"]);

        Role role = await OurRbac.CreateRoleAsync(new Role
        {
            Metadata = new ObjectMeta { Name = "deployer", Namespace = ns, Labels = new() { ["app"] = "web" } },
            Rules =
            [
                new PolicyRule { ApiGroups = ["apps", "extensions"], Resources = ["deployments", "deployments/scale"], Verbs = ["get", "update"] },
                new PolicyRule { ApiGroups = [""], Resources = ["configmaps"], ResourceNames = ["settings"], Verbs = ["get"] },
            ],
        });
        AssertSame(Ours(role, KubeJsonContext.Default.Role), Theirs(await k.RbacAuthorizationV1.ReadNamespacedRoleAsync("deployer", ns)), "Role");

        string clusterRoleName = fixture.Unique("ours-aggregate");
        ClusterRole clusterRole = await OurRbac.CreateClusterRoleAsync(new ClusterRole
        {
            Metadata = new ObjectMeta { Name = clusterRoleName },
            AggregationRule = new AggregationRule
            {
                ClusterRoleSelectors =
                [
                    new LabelSelector
                    {
                        MatchLabels = new() { ["aggregate-to"] = clusterRoleName },
                        MatchExpressions = [new LabelSelectorRequirement { Key = "tier", Operator = "In", Values = ["a", "b"] }],
                    },
                ],
            },
        });
        AssertSame(Ours(clusterRole, KubeJsonContext.Default.ClusterRole), Theirs(await k.RbacAuthorizationV1.ReadClusterRoleAsync(clusterRoleName)), "ClusterRole");

        RoleBinding binding = await OurRbac.CreateRoleBindingAsync(new RoleBinding
        {
            Metadata = new ObjectMeta { Name = "app-deployer", Namespace = ns },
            RoleRef = new RoleRef { ApiGroup = Rbac, Kind = "Role", Name = "deployer" },
            Subjects =
            [
                new Subject { Kind = "ServiceAccount", Name = "app", Namespace = ns },
                new Subject { Kind = "Group", ApiGroup = Rbac, Name = "devs" },
            ],
        });
        AssertSame(Ours(binding, KubeJsonContext.Default.RoleBinding), Theirs(await k.RbacAuthorizationV1.ReadNamespacedRoleBindingAsync("app-deployer", ns)), "RoleBinding");

        string clusterBindingName = fixture.Unique("ours-crb");
        ClusterRoleBinding clusterBinding = await OurRbac.CreateClusterRoleBindingAsync(new ClusterRoleBinding
        {
            Metadata = new ObjectMeta { Name = clusterBindingName },
            RoleRef = new RoleRef { ApiGroup = Rbac, Kind = "ClusterRole", Name = clusterRoleName },
            Subjects = [new Subject { Kind = "User", ApiGroup = Rbac, Name = "jane" }],
        });
        AssertSame(Ours(clusterBinding, KubeJsonContext.Default.ClusterRoleBinding), Theirs(await k.RbacAuthorizationV1.ReadClusterRoleBindingAsync(clusterBindingName)), "ClusterRoleBinding");

        // A bound token from our client, reviewed by KubernetesClient.
        ServiceAccountToken token = await tokens.RequestTokenAsync(ns, "app", new TokenRequestOptions { Audiences = ["vault"], Duration = TimeSpan.FromMinutes(20) });
        V1TokenReview review = await k.AuthenticationV1.CreateTokenReviewAsync(new V1TokenReview { Spec = new V1TokenReviewSpec { Token = token.Token, Audiences = ["vault"] } });
        Assert.True(review.Status.Authenticated);
        Assert.Equal(sa.Metadata.Uid, review.Status.User.Uid);
        Assert.Equal($"system:serviceaccount:{ns}:app", review.Status.User.Username);
        Assert.Equal(token.Audiences, review.Status.Audiences);
        Assert.Equal(TimeSpan.FromMinutes(20), token.GrantedDuration);

        // What our client deletes is gone for KubernetesClient.
        await accounts.DeleteAsync(ns, "app", sa.Metadata.Uid);
        await OurRbac.DeleteClusterRoleBindingAsync(clusterBindingName);
        await OurRbac.DeleteClusterRoleAsync(clusterRoleName);
        Assert.DoesNotContain((await k.CoreV1.ListNamespacedServiceAccountAsync(ns)).Items, s => s.Metadata.Name == "app");
        Assert.DoesNotContain((await k.RbacAuthorizationV1.ListClusterRoleAsync()).Items, r => r.Metadata.Name == clusterRoleName);
    }

    [Fact]
    public async Task What_KubernetesClient_creates_our_client_reads_the_same()
    {
        IKubernetes k = fixture.Kc;
        string ns = await fixture.NewNamespaceAsync("theirs");
        V1ConfigMap owner = await k.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "owner" } }, ns);

        V1ServiceAccount sa = await k.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount
        {
            Metadata = new V1ObjectMeta
            {
                Name = "app",
                Labels = new Dictionary<string, string> { ["app"] = "web" },
                Annotations = new Dictionary<string, string> { ["owner"] = "team-a" },
                Finalizers = ["example.com/keep"],
                OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "owner", Uid = owner.Metadata.Uid, Controller = true, BlockOwnerDeletion = false }],
            },
            Secrets = [new V1ObjectReference { Name = "old-token" }],
            ImagePullSecrets = [new V1LocalObjectReference { Name = "registry" }],
            AutomountServiceAccountToken = true,
        }, ns);
        var accounts = new ServiceAccountOperations(fixture.Ours);
        AssertSame(Ours(await accounts.GetAsync(ns, "app"), KubeJsonContext.Default.ServiceAccount), Theirs(sa), "ServiceAccount");
        Assert.Contains(await accounts.ListAsync(ns).ToListAsync(), s => s.Metadata.Uid == sa.Metadata.Uid);

        V1Secret secret = await k.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "creds" },
            Type = "Opaque",
            Data = new Dictionary<string, byte[]> { ["bin"] = [0, 255, 128] },
            StringData = new Dictionary<string, string> { ["text"] = "héllo" },
            Immutable = true,
        }, ns);
        Assert.Equal("héllo", System.Text.Encoding.UTF8.GetString(secret.Data["text"]));
        Assert.Null(secret.StringData);
        Secret ourSecret = await fixture.Ours.GetAsync($"/api/v1/namespaces/{ns}/secrets/creds", KubeJsonContext.Default.Secret, CancellationToken.None);
        AssertSame(Ours(ourSecret, KubeJsonContext.Default.Secret), Theirs(secret), "Secret");

        List<V1PolicyRule> rules =
        [
            new() { ApiGroups = ["apps"], Resources = ["deployments", "deployments/scale"], Verbs = ["get", "update"], ResourceNames = ["web"] },
            new() { ApiGroups = [""], Resources = ["pods/log"], Verbs = ["get"] },
        ];
        V1Role role = await k.RbacAuthorizationV1.CreateNamespacedRoleAsync(new V1Role { Metadata = new V1ObjectMeta { Name = "deployer" }, Rules = rules }, ns);
        AssertSame(Ours(await OurRbac.GetRoleAsync(ns, "deployer"), KubeJsonContext.Default.Role), Theirs(role), "Role");

        string clusterRoleName = fixture.Unique("theirs-cr");
        V1ClusterRole clusterRole = await k.RbacAuthorizationV1.CreateClusterRoleAsync(new V1ClusterRole
        {
            Metadata = new V1ObjectMeta { Name = clusterRoleName, Labels = new Dictionary<string, string> { ["aggregate-to-" + clusterRoleName] = "true" } },
            Rules = [.. rules, new V1PolicyRule { NonResourceURLs = ["/metrics"], Verbs = ["get"] }],
        });
        AssertSame(Ours(await OurRbac.GetClusterRoleAsync(clusterRoleName), KubeJsonContext.Default.ClusterRole), Theirs(clusterRole), "ClusterRole");

        V1RoleBinding binding = await k.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "app-deployer" },
            RoleRef = new V1RoleRef { ApiGroup = Rbac, Kind = "ClusterRole", Name = clusterRoleName },
            Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = "app", NamespaceProperty = ns }, new Rbacv1Subject { Kind = "User", ApiGroup = Rbac, Name = "jane" }],
        }, ns);
        AssertSame(Ours(await OurRbac.GetRoleBindingAsync(ns, "app-deployer"), KubeJsonContext.Default.RoleBinding), Theirs(binding), "RoleBinding");

        string clusterBindingName = fixture.Unique("theirs-crb");
        V1ClusterRoleBinding clusterBinding = await k.RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
        {
            Metadata = new V1ObjectMeta { Name = clusterBindingName },
            RoleRef = new V1RoleRef { ApiGroup = Rbac, Kind = "ClusterRole", Name = clusterRoleName },
            Subjects = [new Rbacv1Subject { Kind = "Group", ApiGroup = Rbac, Name = "auditors" }],
        });
        AssertSame(Ours(await OurRbac.GetClusterRoleBindingAsync(clusterBindingName), KubeJsonContext.Default.ClusterRoleBinding), Theirs(clusterBinding), "ClusterRoleBinding");

        // Our read-change-write keeps everything KubernetesClient wrote.
        ServiceAccount updated = await accounts.UpdateAsync(ns, "app", new ServiceAccountChanges { Labels = new Dictionary<string, string?> { ["tier"] = "1" } });
        V1ServiceAccount after = await k.CoreV1.ReadNamespacedServiceAccountAsync("app", ns);
        Assert.Equal("1", after.Metadata.Labels["tier"]);
        after.Metadata.Labels.Remove("tier");
        after.Metadata.ResourceVersion = sa.Metadata.ResourceVersion;
        AssertSame(Theirs(sa), Theirs(after), "ServiceAccount after our update");
        Assert.Equal(updated.Metadata.ResourceVersion, (await k.CoreV1.ReadNamespacedServiceAccountAsync("app", ns)).Metadata.ResourceVersion);

        Role ourRole = await OurRbac.GetRoleAsync(ns, "deployer");
        ourRole.Rules!.Add(new PolicyRule { ApiGroups = [""], Resources = ["secrets"], Verbs = ["list"] });
        await OurRbac.ReplaceRoleAsync(ourRole);
        V1Role roleAfter = await k.RbacAuthorizationV1.ReadNamespacedRoleAsync("deployer", ns);
        Assert.Equal(3, roleAfter.Rules.Count);
        roleAfter.Rules.RemoveAt(2);
        roleAfter.Metadata.ResourceVersion = role.Metadata.ResourceVersion;
        AssertSame(Theirs(role), Theirs(roleAfter), "Role after our replace");

        await k.RbacAuthorizationV1.DeleteClusterRoleBindingAsync(clusterBindingName);
        await k.RbacAuthorizationV1.DeleteClusterRoleAsync(clusterRoleName);
    }

    [Fact]
    public async Task Watch_of_our_client_sees_what_KubernetesClient_writes()
    {
        string ns = await fixture.NewNamespaceAsync("ourwatch");
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using IAsyncEnumerator<WatchEvent<ServiceAccount>> events = fixture.Ours
            .WatchAsync($"/api/v1/namespaces/{ns}/serviceaccounts?watch=true&fieldSelector=metadata.name%3Dwatched", KubeJsonContext.Default.WatchEventServiceAccount, cancel.Token)
            .GetAsyncEnumerator(cancel.Token);
        V1ServiceAccount created = await fixture.Kc.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "watched" } }, ns);
        Assert.True(await events.MoveNextAsync());
        Assert.Equal("ADDED", events.Current.Type);
        AssertSame(Ours(events.Current.Object!, KubeJsonContext.Default.ServiceAccount), Theirs(created), "watched ServiceAccount");
        await fixture.Kc.CoreV1.DeleteNamespacedServiceAccountAsync("watched", ns);
        Assert.True(await events.MoveNextAsync());
        Assert.Equal("DELETED", events.Current.Type);
    }

    [Fact]
    public async Task Reviews_agree_between_the_two_clients()
    {
        IKubernetes k = fixture.Kc;
        string ns = await fixture.NewNamespaceAsync("agree");
        await k.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "app" } }, ns);
        await k.RbacAuthorizationV1.CreateNamespacedRoleAsync(new V1Role
        {
            Metadata = new V1ObjectMeta { Name = "scaler" },
            Rules = [new V1PolicyRule { ApiGroups = ["apps"], Resources = ["deployments/scale"], Verbs = ["update"], ResourceNames = ["web"] }],
        }, ns);
        await k.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "app-scaler" },
            RoleRef = new V1RoleRef { ApiGroup = Rbac, Kind = "Role", Name = "scaler" },
            Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = "app", NamespaceProperty = ns }],
        }, ns);

        var checker = new PermissionChecker(fixture.Ours);
        PermissionSubject subject = PermissionSubject.ServiceAccount(ns, "app");
        List<string> groups = ["system:serviceaccounts", $"system:serviceaccounts:{ns}", "system:authenticated"];
        foreach ((string verb, string subresource, string name) in new[] { ("update", "scale", "web"), ("update", "scale", "api"), ("get", "", "web") })
        {
            PermissionCheckResult ours = await checker.CheckAsync(new PermissionCheck
            {
                Verb = verb, Group = "apps", Resource = "deployments", Subresource = subresource, Name = name, Namespace = ns, Subject = subject,
            });
            V1SubjectAccessReview theirs = await k.AuthorizationV1.CreateSubjectAccessReviewAsync(new V1SubjectAccessReview
            {
                Spec = new V1SubjectAccessReviewSpec
                {
                    User = $"system:serviceaccount:{ns}:app", Groups = groups,
                    ResourceAttributes = new V1ResourceAttributes { NamespaceProperty = ns, Verb = verb, Group = "apps", Resource = "deployments", Subresource = subresource, Name = name },
                },
            });
            Assert.Equal(theirs.Status.Allowed, ours.Allowed);
            Assert.Equal(theirs.Status.Reason ?? "", ours.Reason);
            Assert.Equal(theirs.Status.EvaluationError ?? "", ours.EvaluationError);
        }

        // Who am I, and my rules, as admin.
        UserIdentity me = await new AuthenticationOperations(fixture.Ours).WhoAmIAsync();
        V1SelfSubjectReview them = await k.AuthenticationV1.CreateSelfSubjectReviewAsync(new V1SelfSubjectReview());
        Assert.Equal(them.Status.UserInfo.Username, me.Username);
        Assert.Equal(them.Status.UserInfo.Groups, me.Groups);
        Assert.Equal(them.Status.UserInfo.Uid, me.Uid);

        SelfSubjectRulesReview ourRules = await fixture.Ours.SendAsync(HttpMethod.Post, "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
            new SelfSubjectRulesReview { Spec = new SelfSubjectRulesReviewSpec { Namespace = ns } },
            KubeJsonContext.Default.SelfSubjectRulesReview, KubeJsonContext.Default.SelfSubjectRulesReview, CancellationToken.None);
        V1SelfSubjectRulesReview theirRules = await k.AuthorizationV1.CreateSelfSubjectRulesReviewAsync(new V1SelfSubjectRulesReview { Spec = new V1SelfSubjectRulesReviewSpec { NamespaceProperty = ns } });
        AssertSame(Ours(ourRules, KubeJsonContext.Default.SelfSubjectRulesReview), Theirs(theirRules), "SelfSubjectRulesReview");

        // A token our client requested, reviewed by both.
        ServiceAccountToken token = await new TokenOperations(fixture.Ours).RequestTokenAsync(ns, "app");
        TokenReviewResult ourReview = await new AuthenticationOperations(fixture.Ours).ReviewTokenAsync(token.Token);
        V1TokenReview theirReview = await k.AuthenticationV1.CreateTokenReviewAsync(new V1TokenReview { Spec = new V1TokenReviewSpec { Token = token.Token } });
        Assert.True(ourReview.Authenticated);
        Assert.Equal(theirReview.Status.Authenticated, ourReview.Authenticated);
        Assert.Equal(theirReview.Status.User.Username, ourReview.User!.Username);
        Assert.Equal(theirReview.Status.User.Uid, ourReview.User.Uid);
        Assert.Equal(theirReview.Status.User.Groups, ourReview.User.Groups);
        Assert.Equal(theirReview.Status.Audiences, ourReview.Audiences);
        Assert.Equal(theirReview.Status.User.Extra.Keys.Order(), ourReview.User.Extra.Keys.Order());
    }
}

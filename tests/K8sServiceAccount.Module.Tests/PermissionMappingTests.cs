using K8sServiceAccount.Client;
using K8sServiceAccount.Client.Models;
using K8sServiceAccount.Client.Permissions;
using K8sServiceAccount.Client.Rbac;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount.Module.Tests;

/// <summary>
/// The permission cmdlets' argument handling, which lives in the module: subjects from -ServiceAccount/-User/-Group,
/// checks from pipeline rows (Import-Csv cells are strings, empty when a column has no value), binding subjects,
/// rule conversion both ways, and the objects written.
/// </summary>
public class PermissionMappingTests
{
    [Theory]
    [InlineData("apps/sample-sa", null, "apps", "sample-sa")]
    [InlineData("apps:sample-sa", null, "apps", "sample-sa")]
    [InlineData("system:serviceaccount:apps:sample-sa", null, "apps", "sample-sa")]
    [InlineData("sample-sa", "web", "web", "sample-sa")]
    [InlineData("  apps/sample-sa ", "web", "apps", "sample-sa")]
    public void ServiceAccountTextsNameNamespaceAndName(string text, string? defaultNamespace, string ns, string name)
    {
        var subject = PermissionMapping.Subject(text, null, null, defaultNamespace);
        Assert.Equal(PermissionSubjectKind.ServiceAccount, subject.Kind);
        Assert.Equal(ns, subject.Namespace);
        Assert.Equal(name, subject.Name);
        Assert.Equal($"system:serviceaccount:{ns}:{name}", subject.ToString());
    }

    [Theory]
    [InlineData("apps/web", null, "apps")]
    [InlineData("apps:web", "", "apps")]
    [InlineData("system:serviceaccount:apps:web", " ", "apps")]
    [InlineData("apps/web", "prod", "prod")]
    [InlineData("web", null, "ctx")]
    [InlineData("web", "prod", "prod")]
    [InlineData(null, null, "ctx")]
    public void ServiceAccountNamespaceMeansThatNamespaceUnlessNamespaceIsGiven(string? serviceAccount, string? namespaceParameter, string expected)
    {
        // DESIGN.md: -ServiceAccount NAMESPACE/NAME means that namespace unless -Namespace is given; else the connection's.
        Assert.Equal(expected, PermissionMapping.ServiceAccountScope(serviceAccount, namespaceParameter, () => "ctx"));
    }

    [Fact]
    public void NoSubjectIsYourselfAndEmptyCsvCellsCountAsNotGiven()
    {
        Assert.Same(PermissionSubject.Self, PermissionMapping.Subject(null, null, null, "default"));
        Assert.Same(PermissionSubject.Self, PermissionMapping.Subject("", " ", ["", "  "], "default"));
        var user = PermissionMapping.Subject("", "jane", ["dev", "", "dev"], "default");
        Assert.Equal(PermissionSubjectKind.User, user.Kind);
        Assert.Equal("jane", user.Name);
        Assert.Equal(["dev"], user.Groups);
    }

    [Fact]
    public void ServiceAccountAndUserTogetherAreRefusedNamingTheParameter()
    {
        var error = Assert.Throws<K8sClientException>(() => PermissionMapping.Subject("apps/sa", "jane", null, "default"));
        Assert.Equal("InvalidServiceAccount", error.ErrorId);
        Assert.Equal("ServiceAccount", error.Target);
        // -Group is a subject's group in every cmdlet; an error about it names -ApiGroup, which an older -Group meant.
        Assert.Contains("-User/-Group", error.Message, StringComparison.Ordinal);
        var groups = Assert.Throws<K8sClientException>(() => PermissionMapping.Subject("apps/sa", null, ["ops"], "default"));
        Assert.Equal("InvalidGroup", groups.ErrorId);
        Assert.Contains("-User/-Group,", groups.Message, StringComparison.Ordinal);
        Assert.Contains("-ApiGroup", groups.Message, StringComparison.Ordinal);

        var bad = Assert.Throws<K8sClientException>(() => PermissionMapping.Subject("a/b/c", null, null, "default"));
        Assert.Equal("InvalidServiceAccount", bad.ErrorId);
        Assert.Contains("a/b/c", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TestK8sPermissionRefusesGroupsWithoutAUserNamingApiGroup()
    {
        // kubectl --as-group needs --as; an old script's -Group (then the API group) must not become a subject's group.
        var error = Assert.Throws<K8sClientException>(() => PermissionMapping.Subject(null, null, ["devs"], "default", groupsNeedUser: true));
        Assert.Equal(("InvalidGroup", "Group"), (error.ErrorId, error.Target));
        Assert.Contains("-User", error.Message, StringComparison.Ordinal);
        Assert.Contains("-ApiGroup", error.Message, StringComparison.Ordinal);
        var user = PermissionMapping.Subject(null, "alice", ["devs", "ops"], "default", groupsNeedUser: true);
        Assert.Equal("alice", user.Name);
        Assert.Equal(["devs", "ops"], user.Groups);
    }

    [Fact]
    public void GrantSubjectsAreOneKindAndEachGroupIsASubjectOfItsOwn()
    {
        var groups = PermissionMapping.GrantSubjects(null, null, ["devs", "ops", ""], "default");
        Assert.Equal([["devs"], ["ops"]], groups.Select(g => g.Groups.ToArray()));
        Assert.All(groups, g => Assert.Null(g.Name));
        Assert.Equal("jane", Assert.Single(PermissionMapping.GrantSubjects(null, "jane", null, "default")).Name);

        var userAndGroup = Assert.Throws<K8sClientException>(() => PermissionMapping.GrantSubjects(null, "jane", ["apps"], "default"));
        Assert.Equal("InvalidGroup", userAndGroup.ErrorId);
        Assert.Contains("-ApiGroup", userAndGroup.Message, StringComparison.Ordinal);
        Assert.Equal("InvalidGroup", Assert.Throws<K8sClientException>(() => PermissionMapping.GrantSubjects("apps/sa", null, ["apps"], "default")).ErrorId);
        Assert.Equal("InvalidServiceAccount", Assert.Throws<K8sClientException>(() => PermissionMapping.GrantSubjects(null, null, null, "default")).ErrorId);
    }

    [Fact]
    public void ACsvRowBecomesACheckWithEmptyCellsLeftOut()
    {
        // Import-Csv gives every column, empty or not.
        var subject = PermissionSubject.ServiceAccount("apps", "sample-sa");
        var check = PermissionMapping.Check(" update ", "deployments/scale", "apps", "", "", "", "apps", subject);
        Assert.Equal("update", check.Verb);
        Assert.Equal("deployments/scale", check.Resource);
        Assert.Equal("apps", check.Group);
        Assert.Null(check.Subresource);
        Assert.Null(check.Name);
        Assert.Null(check.NonResourceUrl);
        Assert.Equal("apps", check.Namespace);
        Assert.Same(subject, check.Subject);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData(" ", null)]
    [InlineData("core", "")]
    [InlineData(" apps ", "apps")]
    [InlineData("apps", "apps")]
    public void AnEmptyGroupCellMeansFromTheResourceAndCoreMeansTheCoreGroup(string? cell, string? expected)
    {
        var check = PermissionMapping.Check("get", "pods", cell, null, null, null, "default", PermissionSubject.Self);
        Assert.Equal(expected, check.Group);
    }

    [Fact]
    public void ANonResourceCheckIsClusterLevelAndRefusesAResource()
    {
        var check = PermissionMapping.Check("get", "", null, null, null, "/healthz", "apps", PermissionSubject.Self);
        Assert.Equal("", check.Namespace);
        Assert.True(check.IsNonResource);

        var error = Assert.Throws<K8sClientException>(() => PermissionMapping.Check("get", "pods", null, null, null, "/healthz", "apps", PermissionSubject.Self));
        Assert.Equal("InvalidNonResourceUrl", error.ErrorId);
        var noVerb = Assert.Throws<K8sClientException>(() => PermissionMapping.Check("", "pods", null, null, null, null, "apps", PermissionSubject.Self));
        Assert.Equal("InvalidVerb", noVerb.ErrorId);
        var nothing = Assert.Throws<K8sClientException>(() => PermissionMapping.Check("get", "", null, null, null, "", "apps", PermissionSubject.Self));
        Assert.Equal("InvalidResource", nothing.ErrorId);
    }

    [Fact]
    public void BindingSubjectsTakeKubectlServiceAccountSyntaxUsersAndGroups()
    {
        var subjects = PermissionMapping.BindingSubjects(["apps:sample-sa", "web/front", "local"], ["jane"], ["system:serviceaccounts:ci"], "team");
        Assert.Equal(
            ["ServiceAccount apps/sample-sa", "ServiceAccount web/front", "ServiceAccount team/local", "User /jane", "Group /system:serviceaccounts:ci"],
            subjects.Select(s => $"{s.Kind} {s.Namespace}/{s.Name}"));
        Assert.Null(subjects[0].ApiGroup);
        Assert.Equal("rbac.authorization.k8s.io", subjects[3].ApiGroup);

        var none = Assert.Throws<K8sClientException>(() => PermissionMapping.BindingSubjects(null, [], null, "team"));
        Assert.Equal("InvalidServiceAccount", none.ErrorId);
        var noNamespace = Assert.Throws<K8sClientException>(() => PermissionMapping.BindingSubjects(["local"], null, null, null));
        Assert.Contains("no namespace", noNamespace.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RulesConvertBothWaysKeepingTheCoreGroupAndLeavingEmptyListsOut()
    {
        var rule = new K8sPolicyRule { Verbs = ["get"], ApiGroups = [""], Resources = ["pods"] };
        var wire = PermissionMapping.ToPolicyRule(rule);
        Assert.Equal([""], wire.ApiGroups);
        Assert.Null(wire.ResourceNames);
        Assert.Null(wire.NonResourceURLs);
        Assert.Equal("{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"get\"]}", EscalationCheck.CompactString(wire));
        Assert.Equal(EscalationCheck.CompactString(wire), rule.ToString());
        Assert.Equal("{APIGroups:[\"apps\" \"extensions\"], Resources:[\"deployments\"], Verbs:[\"get\" \"update\"]}", new K8sPolicyRule { Verbs = ["get", "update"], ApiGroups = ["apps", "extensions"], Resources = ["deployments"] }.ToString());

        var url = PermissionMapping.ToPolicyRule(new K8sPolicyRule { Verbs = ["get"], NonResourceUrls = ["/healthz"] });
        Assert.Null(url.ApiGroups);
        Assert.Null(url.Resources);

        var back = PermissionMapping.ToRule(PolicyRules.Resource(["get", "update"], ["apps", "extensions"], ["deployments", "deployments/scale"]));
        Assert.Equal(["get", "update"], back.Verbs);
        Assert.Equal(["apps", "extensions"], back.ApiGroups);
        Assert.Empty(back.NonResourceUrls);
    }

    [Fact]
    public void ACheckResultKeepsEveryAttributeAndTheExplanation()
    {
        var check = new PermissionCheck { Verb = "get", Resource = "pods", Namespace = "apps", Subject = PermissionSubject.ServiceAccount("apps", "sa") };
        var result = new PermissionCheckResult
        {
            Subject = "system:serviceaccount:apps:sa", Namespace = "apps", Verb = "get", Resource = "pods", Allowed = true,
            Reason = "RBAC: allowed", Method = PermissionCheckMethod.LocalRbac, Check = check,
        };
        var grant = new EffectiveRule
        {
            Scope = "apps", Verbs = ["get"], ApiGroups = [""], Resources = ["pods"],
            BindingKind = "RoleBinding", BindingName = "rb", BindingNamespace = "apps", RoleKind = "Role", RoleName = "reader",
        };
        var output = PermissionMapping.ToResult(result, new PermissionExplanation(result, ExplanationVerdict.GrantedByRbac, [grant], "granted by RoleBinding apps/rb"));
        Assert.Equal(K8sPermissionCheckMethod.LocalRbac, output.Method);
        Assert.True(output.Allowed);
        Assert.Equal("GrantedByRbac", output.Verdict);
        var by = Assert.Single(output.GrantedBy!);
        Assert.Equal("rb", by.BindingName);
        Assert.Equal("Role", by.RoleKind);
        Assert.Equal("yes: system:serviceaccount:apps:sa get pods", output.ToString());

        var plain = PermissionMapping.ToResult(result with { Allowed = false });
        Assert.Null(plain.GrantedBy);
        Assert.Null(plain.Explanation);
        Assert.StartsWith("no:", plain.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ACheckResultHasExactlyTheIssuesPropertiesAndCopiesEachOne()
    {
        // Issue 5: Subject, Namespace, Verb, ApiGroup (Group before issue 9), Resource, Subresource, Name, NonResourceUrl, Allowed, Reason,
        // EvaluationError, Method; -Explain adds Verdict, GrantedBy and Explanation.
        Assert.Equal(
            ["Subject", "Namespace", "Verb", "ApiGroup", "Resource", "Subresource", "Name", "NonResourceUrl", "Allowed", "Reason", "EvaluationError", "Method", "Verdict", "GrantedBy", "Explanation"],
            typeof(K8sPermissionCheckResult).GetProperties().Select(p => p.Name));
        Assert.Equal(typeof(bool), typeof(K8sPermissionCheckResult).GetProperty("Allowed")!.PropertyType);
        Assert.Equal(
            ["SelfSubjectAccessReview", "SubjectAccessReview", "Impersonation", "Offline", "LocalRbac"],
            Enum.GetNames<K8sPermissionCheckMethod>());

        var check = new PermissionCheck { Verb = "update", Resource = "deployments", Group = "apps", Subresource = "scale", Name = "web", Namespace = "apps" };
        var result = new PermissionCheckResult
        {
            Subject = "system:serviceaccount:apps:sa", Namespace = "apps", Verb = "update", Group = "apps", Resource = "deployments",
            Subresource = "scale", Name = "web", Allowed = false, Reason = "no RBAC rule", EvaluationError = "role \"gone\" not found",
            Method = PermissionCheckMethod.Impersonation, Check = check,
        };
        var output = PermissionMapping.ToResult(result);
        Assert.Equal(
            ("system:serviceaccount:apps:sa", "apps", "update", "apps", "deployments", "scale", "web", "", false, "no RBAC rule", "role \"gone\" not found", K8sPermissionCheckMethod.Impersonation),
            (output.Subject, output.Namespace, output.Verb, output.ApiGroup, output.Resource, output.Subresource, output.Name, output.NonResourceUrl, output.Allowed, output.Reason, output.EvaluationError, output.Method));

        var url = PermissionMapping.ToResult(new PermissionCheckResult
        {
            Subject = "(self)", Verb = "get", NonResourceUrl = "/healthz", Allowed = true, Method = PermissionCheckMethod.SelfSubjectAccessReview,
            Check = new PermissionCheck { Verb = "get", NonResourceUrl = "/healthz" },
        });
        Assert.Equal(("/healthz", "", K8sPermissionCheckMethod.SelfSubjectAccessReview), (url.NonResourceUrl, url.Resource, url.Method));
    }

    [Fact]
    public void AnIdentityKeepsUserUidGroupsAndExtra()
    {
        var identity = PermissionMapping.ToIdentity(new K8sServiceAccount.Client.Api.UserIdentity
        {
            Username = "system:serviceaccount:apps:sa",
            Uid = "sa-uid",
            Groups = ["system:serviceaccounts", "system:serviceaccounts:apps", "system:authenticated"],
            Extra = new Dictionary<string, IReadOnlyList<string>> { ["authentication.kubernetes.io/credential-id"] = ["JTI=abc"] },
        });
        Assert.Equal(("system:serviceaccount:apps:sa", "sa-uid"), (identity.User, identity.Uid));
        Assert.Equal(["system:serviceaccounts", "system:serviceaccounts:apps", "system:authenticated"], identity.Groups);
        Assert.Equal(["JTI=abc"], identity.Extra["authentication.kubernetes.io/credential-id"]);
        Assert.Equal("system:serviceaccount:apps:sa", identity.ToString());

        var anonymous = PermissionMapping.ToIdentity(new K8sServiceAccount.Client.Api.UserIdentity { Username = "system:anonymous", Groups = ["system:unauthenticated"] });
        Assert.Null(anonymous.Uid);
        Assert.Empty(anonymous.Extra);
    }

    [Fact]
    public void TheModuleMethodEnumMirrorsTheClientOne()
    {
        Assert.Equal(Enum.GetNames<PermissionCheckMethod>(), Enum.GetNames<K8sPermissionCheckMethod>());
    }

    [Fact]
    public void ModuleRoleAndBindingObjectsBecomeAnOfflinePolicy()
    {
        var policy = new InMemoryRbacPolicy();
        PermissionMapping.AddTo(policy, new K8sRoleInfo
        {
            Kind = "Role", Name = "scaler", Namespace = "apps",
            Rules = [new K8sPolicyRule { Verbs = ["update"], ApiGroups = ["apps"], Resources = ["deployments/scale"] }],
        });
        PermissionMapping.AddTo(policy, new K8sRoleBindingInfo
        {
            Kind = "RoleBinding", Name = "scaler", Namespace = "apps", RoleKind = "Role", RoleName = "scaler",
            Subjects = [new K8sRbacSubject { Kind = "ServiceAccount", Name = "sample-sa", Namespace = "apps" }],
        });
        var snapshot = new RbacSnapshot(policy);
        var subject = PermissionSubject.ServiceAccount("apps", "sample-sa");
        Assert.True(snapshot.Check(new PermissionCheck { Verb = "update", Resource = "deployments/scale", Group = "apps", Namespace = "apps", Subject = subject }).Allowed);
        Assert.False(snapshot.Check(new PermissionCheck { Verb = "update", Resource = "deployments/scale", Group = "apps", Namespace = "web", Subject = subject }).Allowed);
    }

    [Theory]
    [InlineData("Cluster", null, null, "ctx-ns")]
    [InlineData("Cluster", "given", null, "ctx-ns")] // the connection's settings already carry -Namespace
    [InlineData("Snapshot", null, "snap-ns", "snap-ns")]
    [InlineData("Snapshot", " given ", "snap-ns", "given")]
    [InlineData("Policy", null, null, "default")]
    [InlineData("Policy", "given", null, "given")]
    public void TheDefaultNamespaceOfLocalEvaluationNeedsNoConnection(string source, string? namespaceParameter, string? snapshotNamespace, string expected)
    {
        var asked = false;
        var result = EvaluationNamespace.Default(Enum.Parse<EvaluationSource>(source), namespaceParameter, snapshotNamespace, () =>
        {
            asked = true;
            return "ctx-ns";
        });
        Assert.Equal(expected, result);
        // -Snapshot and -Policy evaluate locally: resolving a connection there would fail without a kubeconfig, or take the
        // namespace of another cluster's context than the snapshot's.
        Assert.Equal(source == "Cluster", asked);
    }

    [Fact]
    public void APolicyDirectoryWithoutDocumentsIsAnErrorNotAnEmptyPolicy()
    {
        // An empty policy answers every check "no": a mistyped directory must not pass for one.
        var directory = Directory.CreateTempSubdirectory("policy-dir-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "notes.txt"), "not a policy");
            var error = Assert.Throws<K8sClientException>(() => PolicyDocuments.Expand(directory).ToList());
            Assert.Equal((PolicyDocuments.NotFoundErrorId, directory), (error.ErrorId, error.Target));
            Assert.Contains("no .yaml, .yml or .json files", error.Message, StringComparison.Ordinal);

            File.WriteAllText(Path.Combine(directory, "b.yml"), "");
            File.WriteAllText(Path.Combine(directory, "a.JSON"), "{}");
            Assert.Equal(["a.JSON", "b.yml"], PolicyDocuments.Expand(directory).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void TargetsNameKindNamespaceAndName()
    {
        Assert.Equal("Role apps/scaler", PermissionMapping.Target("Role", "apps", "scaler"));
        Assert.Equal("ClusterRole view", PermissionMapping.Target("ClusterRole", null, "view"));
    }

    [Fact]
    public void GrantAndRevokeSayInVerboseWhatChangedAndWhenNothingDid()
    {
        var rule = PolicyRules.Resource(["get"], ["apps"], ["deployments"]);
        var created = new GrantResult
        {
            Subject = "system:serviceaccount:demo:sample-sa", RoleKind = "Role", BindingKind = "RoleBinding", Name = "k8ssa-grant:demo:sample-sa", Namespace = "demo",
            RoleAction = GrantAction.Created, BindingAction = GrantAction.Created, ChangedRules = [rule],
        };
        Assert.Equal(
            "Role demo/k8ssa-grant:demo:sample-sa: Created (added {APIGroups:[\"apps\"], Resources:[\"deployments\"], Verbs:[\"get\"]}); RoleBinding demo/k8ssa-grant:demo:sample-sa: Created.",
            PermissionMapping.Describe(created, grant: true));

        var repeated = created with { RoleAction = GrantAction.Unchanged, BindingAction = GrantAction.Unchanged, ChangedRules = [] };
        Assert.Equal(
            "Nothing changed: Role demo/k8ssa-grant:demo:sample-sa already grants every requested rule and RoleBinding demo/k8ssa-grant:demo:sample-sa already binds system:serviceaccount:demo:sample-sa.",
            PermissionMapping.Describe(repeated, grant: true));
        Assert.StartsWith("Nothing changed: Role demo/k8ssa-grant:demo:sample-sa has no rule equal", PermissionMapping.Describe(repeated, grant: false));
        Assert.Equal("Nothing changed: RoleBinding demo/k8ssa-grant:demo:sample-sa does not bind system:serviceaccount:demo:sample-sa.", PermissionMapping.Describe(repeated, grant: false, withRules: false));
        var gone = repeated with { RoleAction = GrantAction.NotFound, BindingAction = GrantAction.NotFound, Namespace = "", RoleKind = "ClusterRole", BindingKind = "ClusterRoleBinding" };
        Assert.Equal("Nothing changed: ClusterRole k8ssa-grant:demo:sample-sa and ClusterRoleBinding k8ssa-grant:demo:sample-sa do not exist.", PermissionMapping.Describe(gone, grant: false));
    }

    [Theory]
    [InlineData("demo:Sample_SA", "the ServiceAccount name \"Sample_SA\" is not valid: a lowercase RFC 1123 subdomain")]
    [InlineData("Demo NS:sample-sa", "the namespace \"Demo NS\" is not valid: a lowercase RFC 1123 label")]
    [InlineData("my.ns:sample-sa", "the namespace \"my.ns\" is not valid: must not contain dots")]
    [InlineData(":sample-sa", "namespace is empty")]
    [InlineData("demo:", "name is empty")]
    [InlineData("demo:a:b", "is not of the form NAMESPACE/NAME")]
    public void BadServiceAccountFormsInABindingNameTheParameter(string text, string message)
    {
        var error = Assert.Throws<K8sClientException>(() => PermissionMapping.BindingSubjects([text], null, null, "team"));
        Assert.Equal(("InvalidServiceAccount", "ServiceAccount"), (error.ErrorId, error.Target));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LabelsAndAggregationSelectorsComeFromHashtablesAndSelectorsReadAsKubectlWritesThem()
    {
        Assert.Null(PermissionMapping.Labels(null));
        Assert.Null(PermissionMapping.Labels(new System.Collections.Hashtable()));
        Assert.Equal(new Dictionary<string, string> { ["app"] = "web", ["tier"] = "" }, PermissionMapping.Labels(new System.Collections.Hashtable { ["app"] = "web", ["tier"] = "" }));
        var nullValue = Assert.Throws<K8sClientException>(() => PermissionMapping.Labels(new System.Collections.Hashtable { ["app"] = null }));
        Assert.Contains("-Label", nullValue.Message, StringComparison.Ordinal);

        var rule = PermissionMapping.AggregationRule([new System.Collections.Hashtable { ["rbac.example.com/aggregate-to-monitoring"] = "true" }, new System.Collections.Hashtable()]);
        Assert.Equal(2, rule.ClusterRoleSelectors!.Count);
        Assert.Equal("true", rule.ClusterRoleSelectors[0].MatchLabels!["rbac.example.com/aggregate-to-monitoring"]);
        Assert.Empty(rule.ClusterRoleSelectors[1].MatchLabels!);

        var info = PermissionMapping.ToRoleInfo(new ClusterRole { Metadata = new ObjectMeta { Name = "monitoring" }, AggregationRule = rule });
        Assert.True(info.IsAggregated);
        Assert.Equal(["rbac.example.com/aggregate-to-monitoring=true", ""], info.AggregationRule);
        Assert.Equal("a=1,b=2,env in (dev,prod),!legacy,tier", PermissionMapping.SelectorText(new LabelSelector
        {
            MatchLabels = new() { ["b"] = "2", ["a"] = "1" },
            MatchExpressions =
            [
                new LabelSelectorRequirement { Key = "env", Operator = "In", Values = ["dev", "prod"] },
                new LabelSelectorRequirement { Key = "legacy", Operator = "DoesNotExist" },
                new LabelSelectorRequirement { Key = "tier", Operator = "Exists" },
            ],
        }));
        Assert.Empty(PermissionMapping.ToRoleInfo(new Role { Metadata = new ObjectMeta { Name = "r", Namespace = "n" } }).AggregationRule);
    }

    [Fact]
    public void RevokeWarnsWhenTheRoleStillGrantsPartOfWhatWasRevoked()
    {
        var result = new GrantResult
        {
            Subject = "system:serviceaccount:demo:sample-sa", RoleKind = "ClusterRole", BindingKind = "ClusterRoleBinding", Name = "k8ssa-grant:demo:sample-sa",
            RoleAction = GrantAction.Updated, BindingAction = GrantAction.Unchanged, StillGranted = [PolicyRules.Resource(["get"], [""], ["pods"])],
        };
        Assert.Equal(
            "ClusterRole k8ssa-grant:demo:sample-sa still grants {APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"get\"]}. Get-K8sClusterRole shows its rules.",
            PermissionMapping.StillGrantedWarning(result));
        Assert.Equal(["get"], PermissionMapping.ToGrant(result, new GrantRequest { Subject = PermissionSubject.ServiceAccount("demo", "sample-sa") }).StillGranted[0].Verbs);
        Assert.Null(PermissionMapping.StillGrantedWarning(result with { StillGranted = [] }));
    }
}

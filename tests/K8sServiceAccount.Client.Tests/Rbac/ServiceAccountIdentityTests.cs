using K8sServiceAccount.Client.Rbac;

namespace K8sServiceAccount.Client.Tests.Rbac;

public sealed class ServiceAccountIdentityTests
{
    [Fact]
    public void User_name_and_groups()
    {
        Assert.Equal("system:serviceaccount:ns1:app", ServiceAccountIdentity.UserName("ns1", "app"));
        Assert.Equal(["system:serviceaccounts", "system:serviceaccounts:ns1"], ServiceAccountIdentity.Groups("ns1"));
        var user = ServiceAccountIdentity.ForServiceAccount("ns1", "app", "u-1");
        Assert.Equal("system:serviceaccount:ns1:app", user.Name);
        Assert.Equal("u-1", user.Uid);
        Assert.Equal(["system:serviceaccounts", "system:serviceaccounts:ns1", "system:authenticated"], user.Groups);
    }

    [Theory]
    [InlineData("system:serviceaccount:ns1:app", true, "ns1", "app")]
    [InlineData("system:serviceaccount:ns1:my.app-1", true, "ns1", "my.app-1")]
    [InlineData("system:serviceaccount:ns1", false, "", "")]
    [InlineData("system:serviceaccount:ns1:app:extra", false, "", "")]
    [InlineData("system:serviceaccount::app", false, "", "")]
    [InlineData("system:serviceaccount:ns1:", false, "", "")]
    [InlineData("system:serviceaccount:Ns1:app", false, "", "")]
    [InlineData("system:serviceaccount:ns.1:app", false, "", "")]
    [InlineData("system:serviceaccount:ns1:App", false, "", "")]
    [InlineData("system:serviceaccounts:ns1:app", false, "", "")]
    [InlineData("alice", false, "", "")]
    [InlineData("", false, "", "")]
    public void TryParse_accepts_only_valid_service_account_user_names(string userName, bool ok, string ns, string name)
    {
        Assert.Equal(ok, ServiceAccountIdentity.TryParse(userName, out var parsedNs, out var parsedName));
        Assert.Equal(ns, parsedNs);
        Assert.Equal(name, parsedName);
    }

    [Fact]
    public void TryParse_checks_the_label_length_limit()
    {
        Assert.True(ServiceAccountIdentity.TryParse("system:serviceaccount:" + new string('a', 63) + ":x", out _, out _));
        Assert.False(ServiceAccountIdentity.TryParse("system:serviceaccount:" + new string('a', 64) + ":x", out _, out _));
    }

    [Theory]
    [InlineData("system:serviceaccount:ns1:app", "ns1", "app", true)]
    [InlineData("system:serviceaccount:ns1:app", "ns1", "ap", false)]
    [InlineData("system:serviceaccount:ns1:app", "ns", "1:app", false)]
    [InlineData("system:serviceaccount:ns1:xapp", "ns1", "app", false)]
    [InlineData("system:serviceaccount:ns1:app", "ns2", "app", false)]
    public void Matches_compares_exactly(string userName, string ns, string name, bool expected)
    {
        Assert.Equal(expected, ServiceAccountIdentity.Matches(userName, ns, name));
    }
}

public sealed class ServiceAccountIdentityForTokenTests
{
    [Fact]
    public void Bound_token_identity_carries_the_extra_attributes()
    {
        var token = new K8sServiceAccount.Client.Tokens.DecodedServiceAccountToken
        {
            Format = K8sServiceAccount.Client.Tokens.ServiceAccountTokenFormat.Bound,
            Namespace = "ns1",
            ServiceAccount = "app",
            ServiceAccountUid = "sa-uid",
            JwtId = "j-1",
            BoundObject = new("Pod", "web-0", "pod-uid"),
            Node = new("Node", "node-1", "node-uid"),
        };
        var user = ServiceAccountIdentity.ForToken(token);
        Assert.Equal("system:serviceaccount:ns1:app", user.Name);
        Assert.Equal("sa-uid", user.Uid);
        Assert.Equal(["system:serviceaccounts", "system:serviceaccounts:ns1", "system:authenticated"], user.Groups);
        Assert.Equal(["JTI=j-1"], user.Extra![ServiceAccountIdentity.CredentialIdExtraKey]);
        Assert.Equal(["web-0"], user.Extra[ServiceAccountIdentity.PodNameExtraKey]);
        Assert.Equal(["pod-uid"], user.Extra[ServiceAccountIdentity.PodUidExtraKey]);
        Assert.Equal(["node-1"], user.Extra[ServiceAccountIdentity.NodeNameExtraKey]);
        Assert.Equal(["node-uid"], user.Extra[ServiceAccountIdentity.NodeUidExtraKey]);
    }

    [Fact]
    public void Legacy_and_node_bound_tokens()
    {
        var legacy = new K8sServiceAccount.Client.Tokens.DecodedServiceAccountToken
        {
            Format = K8sServiceAccount.Client.Tokens.ServiceAccountTokenFormat.Legacy, Namespace = "ns1", ServiceAccount = "app", SecretName = "s",
        };
        Assert.Null(ServiceAccountIdentity.ForToken(legacy).Extra);
        var nodeBound = new K8sServiceAccount.Client.Tokens.DecodedServiceAccountToken
        {
            Format = K8sServiceAccount.Client.Tokens.ServiceAccountTokenFormat.Bound, Namespace = "kube-system", ServiceAccount = "agent", BoundObject = new("Node", "n1", null),
        };
        var extra = ServiceAccountIdentity.ForToken(nodeBound).Extra!;
        Assert.Equal(["n1"], extra[ServiceAccountIdentity.NodeNameExtraKey]);
        Assert.False(extra.ContainsKey(ServiceAccountIdentity.NodeUidExtraKey));
        Assert.Throws<ArgumentException>(() => ServiceAccountIdentity.ForToken(new K8sServiceAccount.Client.Tokens.DecodedServiceAccountToken { Format = K8sServiceAccount.Client.Tokens.ServiceAccountTokenFormat.Bound }));
    }
}

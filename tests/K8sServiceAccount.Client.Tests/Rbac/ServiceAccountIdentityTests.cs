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

using K8sServiceAccount.Client.Api;

namespace K8sServiceAccount.Client.Tests.Api;

public class NameValidationTests
{
    private const string SubdomainDetail =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    private const string LabelDetail =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

    [Theory]
    [InlineData("a")]
    [InlineData("sample-sa")]
    [InlineData("build.robot-1")]
    [InlineData("0abc")]
    public void Valid_service_account_names_pass(string name)
    {
        NameValidation.ValidateServiceAccountName(name);
        Assert.Empty(NameValidation.Dns1123SubdomainErrors(name));
    }

    [Fact]
    public void Invalid_name_gets_the_servers_exact_message()
    {
        var e = Assert.Throws<K8sClientException>(() => NameValidation.ValidateServiceAccountName("Bad_Name"));
        Assert.Equal("InvalidServiceAccountName", e.ErrorId);
        Assert.Equal(K8sErrorCategory.InvalidArgument, e.Category);
        Assert.Equal("Bad_Name", e.Target);
        Assert.Equal($"ServiceAccount \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": {SubdomainDetail}", e.Message);
    }

    [Theory]
    [InlineData("-start")]
    [InlineData("end-")]
    [InlineData("two..dots")]
    [InlineData("UPPER")]
    [InlineData("has space")]
    [InlineData(".dot")]
    public void Names_breaking_the_subdomain_pattern_are_rejected(string name)
    {
        Assert.Equal(new[] { SubdomainDetail }, NameValidation.Dns1123SubdomainErrors(name));
    }

    [Fact]
    public void Too_long_and_malformed_lists_both_causes_like_the_server()
    {
        var name = new string('A', 254);
        var e = Assert.Throws<K8sClientException>(() => NameValidation.ValidateServiceAccountName(name));
        Assert.Equal(
            $"ServiceAccount \"{name}\" is invalid: [metadata.name: Invalid value: \"{name}\": must be no more than 253 characters, " +
            $"metadata.name: Invalid value: \"{name}\": {SubdomainDetail}]",
            e.Message);
    }

    [Fact]
    public void Length_limit_is_253_for_names()
    {
        Assert.Empty(NameValidation.Dns1123SubdomainErrors(new string('a', 253)));
        Assert.Equal(new[] { "must be no more than 253 characters" }, NameValidation.Dns1123SubdomainErrors(new string('a', 254)));
    }

    [Fact]
    public void A_trailing_newline_is_not_part_of_a_valid_name()
    {
        Assert.Equal(new[] { SubdomainDetail }, NameValidation.Dns1123SubdomainErrors("app\n"));
        Assert.Equal(new[] { LabelDetail }, NameValidation.Dns1123LabelErrors("ns\n"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Missing_name_is_required_value(string? name)
    {
        var e = Assert.Throws<K8sClientException>(() => NameValidation.ValidateServiceAccountName(name));
        Assert.Equal("InvalidServiceAccountName", e.ErrorId);
        Assert.Equal("ServiceAccount \"\" is invalid: metadata.name: Required value: name or generateName is required", e.Message);
    }

    [Fact]
    public void Namespace_with_dots_must_not_contain_dots()
    {
        Assert.Equal(new[] { "must not contain dots" }, NameValidation.Dns1123LabelErrors("my.ns"));
        var e = Assert.Throws<K8sClientException>(() => NameValidation.ValidateNamespace("my.ns", "ServiceAccount", "app"));
        Assert.Equal("InvalidNamespaceName", e.ErrorId);
        Assert.Equal("ServiceAccount \"app\" is invalid: metadata.namespace: Invalid value: \"my.ns\": must not contain dots", e.Message);
    }

    [Fact]
    public void Malformed_namespace_gets_the_label_message_with_its_two_spaces()
    {
        Assert.Equal(new[] { LabelDetail }, NameValidation.Dns1123LabelErrors("My_NS"));
        Assert.Contains("'my-name',  or '123-abc'", LabelDetail);
    }

    [Fact]
    public void Namespace_length_limit_is_63()
    {
        Assert.Empty(NameValidation.Dns1123LabelErrors(new string('n', 63)));
        Assert.Equal(new[] { "must be no more than 63 characters" }, NameValidation.Dns1123LabelErrors(new string('n', 64)));
    }

    [Fact]
    public void Secret_names_are_subdomains_too()
    {
        var e = Assert.Throws<K8sClientException>(() => NameValidation.ValidateSecretName("x_y"));
        Assert.Equal("InvalidSecretName", e.ErrorId);
    }
}

using System.Reflection;

namespace K8sServiceAccount.Module.Tests;

/// <summary>
/// The contract every cmdlet of the staged module must meet, checked from metadata for all cmdlets the
/// assembly holds, so cmdlets added later are covered without new tests.
/// </summary>
[Collection(ModuleMetadataCollection.Name)]
public class CmdletContractTests
{
    private const string ClusterBaseName = "K8sServiceAccount.K8sClusterCmdlet";

    // Cmdlets that never talk to a cluster and so do not take the connection parameters.
    private static readonly string[] OfflineCmdlets = ["Get-K8sContext", "Disconnect-K8sCluster", "ConvertFrom-K8sSaToken", "New-K8sPolicyRule"];

    // New- cmdlets that only build an object in memory (like New-TimeSpan): nothing to confirm.
    private static readonly string[] InMemoryBuilders = ["New-K8sPolicyRule"];

    private readonly ModuleMetadata metadata;

    public CmdletContractTests(ModuleMetadata metadata) => this.metadata = metadata;

    [Fact]
    public void TheModuleHasTheFoundationCmdlets()
    {
        var names = metadata.Cmdlets.Select(c => c.Name).ToList();
        Assert.Subset(names.ToHashSet(), new HashSet<string> { "Get-K8sContext", "Connect-K8sCluster", "Get-K8sConnection", "Disconnect-K8sCluster" });
    }

    [Fact]
    public void EveryCmdletIsAPublicSealedClassNamedAfterItsVerbAndNoun()
    {
        Assert.All(metadata.Cmdlets, c =>
        {
            Assert.True(c.Type.IsPublic && c.Type.IsSealed, $"{c}: cmdlet classes are public sealed");
            Assert.Equal(c.Verb + c.Noun + "Command", c.Type.Name);
            Assert.Equal("K8sServiceAccount.Commands", c.Type.Namespace);
        });
    }

    [Fact]
    public void EveryVerbIsApprovedAndEveryNounStartsWithK8s()
    {
        Assert.All(metadata.Cmdlets, c =>
        {
            Assert.True(ApprovedVerbs.All.Contains(c.Verb), $"{c}: '{c.Verb}' is not an approved verb (Get-Verb)");
            Assert.StartsWith("K8s", c.Noun, StringComparison.Ordinal);
            Assert.True(c.Noun.Length > 3 && char.IsUpper(c.Noun[3]), $"{c}: the noun continues in PascalCase after K8s");
            Assert.DoesNotContain(c.Noun, ch => !char.IsAsciiLetterOrDigit(ch));
        });
    }

    [Fact]
    public void EveryCmdletThatChangesTheClusterSupportsShouldProcessAndDeletesAskFirst()
    {
        Assert.All(metadata.Cmdlets, c =>
        {
            if (ApprovedVerbs.Changing.Contains(c.Verb) && !InMemoryBuilders.Contains(c.Name))
            {
                Assert.True(c.SupportsShouldProcess, $"{c}: a cmdlet that changes the cluster must SupportsShouldProcess");
            }

            if (ApprovedVerbs.Destructive.Contains(c.Verb))
            {
                Assert.True(c.ConfirmImpact == 3, $"{c}: a destructive cmdlet must declare ConfirmImpact High");
            }

            if (!c.SupportsShouldProcess)
            {
                Assert.True(c.ConfirmImpact is null, $"{c}: ConfirmImpact without SupportsShouldProcess has no effect");
            }
        });
    }

    [Fact]
    public void EveryCmdletDeclaresOutputTypesThePublicCanSee()
    {
        Assert.All(metadata.Cmdlets, c =>
        {
            var outputTypes = OutputTypes(c.Type).ToList();
            Assert.True(outputTypes.Count > 0, $"{c}: [OutputType] is missing");
            Assert.All(outputTypes, t =>
                Assert.True(t.FullName == "System.Void" || metadata.IsAllowedPublicType(t), $"{c}: output type {t} is not defined in the module or the framework"));
        });
    }

    [Fact]
    public void EveryClusterCmdletDerivesFromTheClusterBaseAndOfflineOnesDoNot()
    {
        Assert.All(metadata.Cmdlets, c =>
        {
            var isCluster = BaseTypes(c.Type).Any(b => b.FullName == ClusterBaseName);
            Assert.True(isCluster != OfflineCmdlets.Contains(c.Name), $"{c}: every cluster cmdlet derives from {ClusterBaseName}; only {string.Join(", ", OfflineCmdlets)} are offline");
            if (isCluster)
            {
                Assert.Subset(c.ParameterNames.ToHashSet(), new HashSet<string> { "Kubeconfig", "Context", "Namespace", "InCluster" });
            }
        });
    }

    [Fact]
    public void ParametersArePublicReadWritePropertiesOfPublicTypes()
    {
        Assert.All(metadata.Cmdlets.SelectMany(c => c.Parameters.Select(p => (Cmdlet: c, Parameter: p))), x =>
        {
            var (c, p) = x;
            Assert.True(p.Property.GetMethod?.IsPublic == true && p.Property.SetMethod?.IsPublic == true, $"{c} -{p.Name}: needs a public getter and setter");
            Assert.True(char.IsUpper(p.Name[0]), $"{c} -{p.Name}: parameter names are PascalCase");
            foreach (var type in TypesIn(p.ParameterType))
            {
                Assert.True(metadata.IsAllowedPublicType(type), $"{c} -{p.Name}: type {type} is not defined in the module or the framework");
            }

            if (p.IsSwitch)
            {
                Assert.False(p.Mandatory, $"{c} -{p.Name}: a switch is never mandatory");
                Assert.Null(p.Position);
            }
        });
    }

    [Fact]
    public void ArgumentCompletersArePublicModuleClassesThatPowerShellCanCreate()
    {
        var completerInterface = metadata.AutomationType("System.Management.Automation.IArgumentCompleter");
        var completers = metadata.Cmdlets.SelectMany(c => c.Parameters.Select(p => (c, p)))
            .SelectMany(x => x.p.Property.GetCustomAttributesData()
                .Where(a => a.AttributeType.FullName == "System.Management.Automation.ArgumentCompleterAttribute")
                .Select(a => (x.c, x.p, Completer: a.ConstructorArguments[0].Value as Type)))
            .ToList();
        Assert.NotEmpty(completers);
        Assert.All(completers, x =>
        {
            Assert.NotNull(x.Completer);
            Assert.True(x.Completer!.Assembly == metadata.Module && x.Completer.IsPublic && x.Completer.GetConstructor(Type.EmptyTypes) is not null, $"{x.c} -{x.p.Name}: {x.Completer} must be a public module class with a public parameterless constructor");
            Assert.Contains(completerInterface, x.Completer.GetInterfaces());
        });
    }

    [Fact]
    public void EveryDurationParameterStaysANullableTimeSpanThatReadsGoDurations()
    {
        const string transformation = "K8sServiceAccount.DurationTransformationAttribute";
        // -RequestTimeout reads kubectl's --request-timeout instead: a whole number is seconds there.
        const string requestTimeout = "K8sServiceAccount.RequestTimeoutTransformationAttribute";
        var durations = metadata.Cmdlets.SelectMany(c => c.Parameters.Select(p => (Cmdlet: c, Parameter: p)))
            .Where(x => TypesIn(x.Parameter.ParameterType).Any(t => t.FullName == "System.TimeSpan"))
            .Select(x => (Name: $"{x.Cmdlet} -{x.Parameter.Name}", x.Parameter))
            .ToList();
        Assert.Superset(
            new HashSet<string> { "Get-K8sSaToken -Duration", "Get-K8sSaToken -Timeout", "New-K8sSaKubeconfig -Duration" },
            durations.Select(x => x.Name).ToHashSet());
        Assert.All(durations, x =>
        {
            var expected = x.Parameter.Name == "RequestTimeout" ? requestTimeout : transformation;
            Assert.True(x.Parameter.HasAttribute(expected), $"{x.Name}: a TimeSpan parameter takes Go durations through [{expected}]");
            var type = x.Parameter.ParameterType;
            Assert.True(
                type.IsGenericType && type.GetGenericTypeDefinition().FullName == "System.Nullable`1" && type.GetGenericArguments()[0].FullName == "System.TimeSpan",
                $"{x.Name}: stays TimeSpan? (omitted means the default), whatever text it accepts");
        });

        foreach (var name in new[] { transformation, requestTimeout })
        {
            var attribute = metadata.Module.GetType(name, throwOnError: true)!;
            Assert.True(attribute.IsPublic && attribute.IsSealed && attribute.GetConstructor(Type.EmptyTypes) is not null, $"{attribute}: PowerShell must be able to create it");
            Assert.Equal("System.Management.Automation.ArgumentTransformationAttribute", attribute.BaseType?.FullName);
        }
    }

    [Fact]
    public void ParameterSetsAreConsistent()
    {
        Assert.All(metadata.Cmdlets, c =>
        {
            var named = c.Parameters.Select(p => p.ParameterSetName).Where(s => s != ParameterInfo.AllParameterSets).Distinct().ToList();
            if (named.Count > 1)
            {
                Assert.True(c.DefaultParameterSetName is not null, $"{c}: several parameter sets need a DefaultParameterSetName");
            }

            if (c.DefaultParameterSetName is { } defaultSet)
            {
                Assert.True(named.Count == 0 || named.Contains(defaultSet), $"{c}: DefaultParameterSetName '{defaultSet}' names no parameter set");
            }

            // Evaluate each concrete set (or the one implicit set) with the parameters that belong to all sets.
            var sets = named.Count == 0 ? [ParameterInfo.AllParameterSets] : named;
            foreach (var set in sets)
            {
                var inSet = c.Parameters.Where(p => p.ParameterSetName == set || p.ParameterSetName == ParameterInfo.AllParameterSets).ToList();
                var positions = inSet.Where(p => p.Position is not null).Select(p => p.Position!.Value).ToList();
                Assert.True(positions.Count == positions.Distinct().Count(), $"{c} set {set}: two parameters share a position");
                // Several by-value parameters only when no object can be both (a hashtable row and a piped ServiceAccount):
                // PowerShell binds an object by value to the one parameter whose type it has.
                var byValue = inSet.Where(p => p.ValueFromPipeline).Select(p => p.ParameterType).ToList();
                Assert.True(
                    byValue.Count <= 1 || byValue.All(t => t != typeof(object) && t.FullName != "System.Management.Automation.PSObject"
                        && byValue.Count(u => u.IsAssignableFrom(t) || t.IsAssignableFrom(u)) == 1),
                    $"{c} set {set}: more than one parameter could take the same whole pipeline object");
                Assert.True(inSet.Select(p => p.Name).Distinct().Count() == inSet.Count, $"{c} set {set}: a parameter is declared twice in one set");
            }
        });
    }

    [Fact]
    public void RbacObjectsAreCreatedWithLabelsAndAClusterRoleCanAggregateInsteadOfListingRules()
    {
        foreach (var name in new[] { "New-K8sRole", "New-K8sClusterRole", "New-K8sRoleBinding", "New-K8sClusterRoleBinding" })
        {
            var label = Assert.Single(metadata.Cmdlets.Single(c => c.Name == name).Parameters, p => p.Name == "Label");
            Assert.Equal(("System.Collections.Hashtable", false, ParameterInfo.AllParameterSets), (label.ParameterType.FullName, label.Mandatory, label.ParameterSetName));
        }

        // kubectl create clusterrole NAME --aggregation-rule=... takes no verbs, resources or URLs: two sets, rules by default.
        var clusterRole = metadata.Cmdlets.Single(c => c.Name == "New-K8sClusterRole");
        Assert.Equal("Rule", clusterRole.DefaultParameterSetName);
        var rule = Assert.Single(clusterRole.Parameters, p => p.Name == "Rule");
        var aggregation = Assert.Single(clusterRole.Parameters, p => p.Name == "AggregationRule");
        Assert.Equal((true, "Rule"), (rule.Mandatory, rule.ParameterSetName));
        Assert.Equal((true, "AggregationRule", "System.Collections.Hashtable[]"), (aggregation.Mandatory, aggregation.ParameterSetName, aggregation.ParameterType.FullName));
    }

    [Fact]
    public void CmdletsThatTakePipelineInputProcessEachRecord()
    {
        Assert.All(metadata.Cmdlets.Where(c => c.Parameters.Any(p => p.ValueFromPipeline || p.ValueFromPipelineByPropertyName)), c =>
        {
            var processRecord = c.Type.GetMethod("ProcessRecord", BindingFlags.Instance | BindingFlags.NonPublic);
            // Declared by the cmdlet or by one of the module's bases (NewRoleCmdletBase), never left to PSCmdlet's empty one.
            Assert.True(processRecord is not null && processRecord.DeclaringType?.Assembly.GetName().Name == c.Type.Assembly.GetName().Name,
                $"{c}: pipeline input is bound per record, so the work belongs in ProcessRecord");
        });
    }

    [Fact]
    public void PipelineBindingByPropertyNameUsesTheOutputObjectsPropertyNames()
    {
        // Get-X | Verb-X binds by property name: a parameter that takes Name or Namespace from the pipeline must
        // find a property of that name on some output type of the module.
        var outputProperties = metadata.Module.GetExportedTypes().SelectMany(t => t.GetProperties()).Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        Assert.All(metadata.Cmdlets.SelectMany(c => c.Parameters.Where(p => p.ValueFromPipelineByPropertyName).Select(p => (c, p))), x =>
        {
            var aliases = x.p.Property.GetCustomAttributesData()
                .Where(a => a.AttributeType.FullName == "System.Management.Automation.AliasAttribute")
                .SelectMany(a => a.ConstructorArguments.SelectMany(Flatten))
                .Select(v => (string)v!);
            Assert.True(aliases.Append(x.p.Name).Any(outputProperties.Contains), $"{x.c} -{x.p.Name}: no module output type has a property it could bind from");
        });
    }

    [Fact]
    public void TheModuleEnumsMirrorTheClientEnumsTheyAreMappedFrom()
    {
        // OutputMapping converts by name; a member added on one side only would fail at run time.
        AssertSameNames("K8sServiceAccount.K8sConnectionSource", "K8sServiceAccount.Client.Config.ConnectionSource");
        AssertSameNames("K8sServiceAccount.K8sAuthKind", "K8sServiceAccount.Client.Config.AuthKind");
    }

    [Fact]
    public void EveryClientErrorCategoryIsAPowerShellErrorCategory()
    {
        // ErrorRecords are built with Enum.Parse<ErrorCategory>(client category name).
        var powerShell = metadata.AutomationType("System.Management.Automation.ErrorCategory").GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => f.Name).ToHashSet();
        var client = metadata.Client.GetType("K8sServiceAccount.Client.K8sErrorCategory", throwOnError: true)!.GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => f.Name);
        Assert.All(client, name => Assert.Contains(name, powerShell));
    }

    [Fact]
    public void EveryPublicTypeAndCmdletParameterIsDocumented()
    {
        var documented = metadata.Documentation.Descendants("member")
            .Where(m => m.Element("summary") is { } s && !string.IsNullOrWhiteSpace(s.Value))
            .Select(m => (string)m.Attribute("name")!)
            .ToHashSet(StringComparer.Ordinal);
        Assert.All(metadata.Module.GetExportedTypes(), t => Assert.True(documented.Contains("T:" + t.FullName), $"{t}: public type without an XML doc summary"));
        Assert.All(metadata.Cmdlets.SelectMany(c => c.Parameters), p =>
            Assert.True(documented.Contains($"P:{p.Property.DeclaringType!.FullName}.{p.Name}"), $"{p.Property.DeclaringType} -{p.Name}: parameter without an XML doc summary"));
    }

    internal static IEnumerable<Type> OutputTypes(Type cmdlet) =>
        cmdlet.GetCustomAttributesData()
            .Where(a => a.AttributeType.FullName == "System.Management.Automation.OutputTypeAttribute")
            .SelectMany(a => a.ConstructorArguments.SelectMany(Flatten))
            .Select(v => Assert.IsAssignableFrom<Type>(v));

    internal static IEnumerable<Type> TypesIn(Type type)
    {
        yield return type;
        if (type.HasElementType)
        {
            foreach (var inner in TypesIn(type.GetElementType()!))
            {
                yield return inner;
            }
        }

        if (type.IsGenericType)
        {
            foreach (var inner in type.GetGenericArguments().SelectMany(TypesIn))
            {
                yield return inner;
            }
        }
    }

    private static IEnumerable<object?> Flatten(CustomAttributeTypedArgument argument) =>
        argument.Value is IReadOnlyCollection<CustomAttributeTypedArgument> items ? items.Select(i => i.Value) : [argument.Value];

    private static IEnumerable<Type> BaseTypes(Type type)
    {
        for (var t = type.BaseType; t is not null; t = t.BaseType)
        {
            yield return t;
        }
    }

    private void AssertSameNames(string moduleEnum, string clientEnum)
    {
        static string[] Names(Type t) => t.GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => f.Name).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(Names(metadata.Client.GetType(clientEnum, throwOnError: true)!), Names(metadata.Module.GetType(moduleEnum, throwOnError: true)!));
    }
}

using System.Reflection;

namespace K8sServiceAccount.Module.Tests;

/// <summary>
/// The client lives in a private load context, so PowerShell must be able to bind, format and name every type a
/// user can reach without it (DESIGN.md layer 2): no public or protected member of the module mentions a client type.
/// </summary>
[Collection(ModuleMetadataCollection.Name)]
public class PublicSurfaceTests
{
    private const BindingFlags Visible = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private readonly ModuleMetadata metadata;

    public PublicSurfaceTests(ModuleMetadata metadata) => this.metadata = metadata;

    [Fact]
    public void NoPublicOrProtectedMemberOfTheModuleReachesTheClient()
    {
        var leaks = metadata.Module.GetExportedTypes()
            .SelectMany(t => SignatureTypes(t).Select(s => (Owner: t, s.Where, s.Type)))
            .SelectMany(x => CmdletContractTests.TypesIn(x.Type).Select(inner => (x.Owner, x.Where, Type: inner)))
            .Where(x => !metadata.IsAllowedPublicType(x.Type) && !x.Type.IsGenericParameter)
            .Select(x => $"{x.Owner.FullName} {x.Where}: {x.Type.FullName} ({x.Type.Assembly.GetName().Name})")
            .Distinct()
            .ToList();
        Assert.True(leaks.Count == 0, "Types outside the module and the framework in the public surface:\n" + string.Join("\n", leaks));
    }

    [Fact]
    public void TheCheckSeesTheClientAsForeign()
    {
        // Guards the test above against an allow-list that lets everything through.
        var clientType = metadata.Client.GetType("K8sServiceAccount.Client.Config.ResolvedConnection", throwOnError: true)!;
        Assert.False(metadata.IsAllowedPublicType(clientType));
        Assert.True(metadata.IsAllowedPublicType(metadata.Module.GetType("K8sServiceAccount.K8sConnectionInfo", throwOnError: true)!));
    }

    private static IEnumerable<(string Where, Type Type)> SignatureTypes(Type type)
    {
        if (type.BaseType is { } baseType)
        {
            yield return ("base type", baseType);
        }

        foreach (var implemented in type.GetInterfaces())
        {
            yield return ("interface", implemented);
        }

        foreach (var property in type.GetProperties(Visible).Where(p => IsVisible(p.GetMethod) || IsVisible(p.SetMethod)))
        {
            yield return ("property " + property.Name, property.PropertyType);
        }

        foreach (var field in type.GetFields(Visible).Where(f => f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly))
        {
            yield return ("field " + field.Name, field.FieldType);
        }

        foreach (var method in type.GetMethods(Visible).Where(IsVisible))
        {
            yield return ("method " + method.Name, method.ReturnType);
            foreach (var parameter in method.GetParameters())
            {
                yield return ($"method {method.Name} parameter {parameter.Name}", parameter.ParameterType);
            }
        }

        foreach (var constructor in type.GetConstructors(Visible).Where(c => c.IsPublic || c.IsFamily || c.IsFamilyOrAssembly))
        {
            foreach (var parameter in constructor.GetParameters())
            {
                yield return ($"constructor parameter {parameter.Name}", parameter.ParameterType);
            }
        }
    }

    private static bool IsVisible(MethodInfo? method) => method is not null && (method.IsPublic || method.IsFamily || method.IsFamilyOrAssembly);
}

using System.Management.Automation;
using K8sServiceAccount.Client.Permissions;

namespace K8sServiceAccount.Internal;

/// <summary>
/// How a cmdlet takes objects piped in bulk (Import-Csv rows, [pscustomobject], hashtables) as well as objects of its own
/// types, without PowerShell's parameter binder failing a conversion per row.
/// <para>
/// For every piped object, PowerShell binds the by-value parameters that take it as it is, then the parameters bound by
/// property name, then tries to convert the object into each by-value parameter still unbound (of a type other than
/// object): a row into a K8sServiceAccountInfo (through its parameterless constructor and property setters, which fail on
/// the first unknown property) or an IDictionary, throwing and catching several exceptions per row. That conversion was
/// three quarters of the pipeline thread's work for 5,000 Import-Csv rows (issue 12).
/// </para>
/// <para>
/// So such a cmdlet has one by-value parameter of type object (-PipelineInput, hidden: it is the pipeline's way in, not
/// something to type) that every piped object binds to without any conversion, while its properties still bind by name.
/// The typed parameters the help documents as taking pipeline input by value (-InputObject, -Action, -Grant) keep their
/// types on the command line and no longer take pipeline input themselves: the piped object is given to the one whose
/// type it has (also inside a PSObject wrapper), here. An object that is none of them and binds no parameter by property
/// name is an error naming the parameter, as PowerShell's "cannot be bound" was; it is never converted into one of them.
/// </para>
/// </summary>
internal sealed class PipelineRouting
{
    private readonly PSCmdlet cmdlet;
    private ParameterMetadata[] bindable = [];
    private string[] byPropertyName = [];
    private HashSet<string> givenOnCommandLine = new(StringComparer.OrdinalIgnoreCase);

    internal PipelineRouting(PSCmdlet cmdlet) => this.cmdlet = cmdlet;

    /// <summary>
    /// Notes the parameters given on the command line; call from BeginProcessing, before any piped object binds. A
    /// parameter given there cannot bind from a piped object's property.
    /// </summary>
    internal void Begin()
    {
        givenOnCommandLine = new HashSet<string>(cmdlet.MyInvocation.BoundParameters.Keys, StringComparer.OrdinalIgnoreCase);
        bindable = cmdlet.MyInvocation.MyCommand.Parameters.Values
            .Where(p => p.ParameterSets.Values.Any(s => s.ValueFromPipelineByPropertyName) && !givenOnCommandLine.Contains(p.Name))
            .ToArray();
        // A property named as a parameter's alias binds it too.
        byPropertyName = bindable.SelectMany(p => p.Aliases.Prepend(p.Name)).ToArray();
    }

    /// <summary>
    /// A parameter given on the command line that is not in <paramref name="parameterSet"/> (nor in every set), or null:
    /// with a piped object that stands for that set's parameter, PowerShell would not have bound it.
    /// </summary>
    internal string? GivenOutside(string parameterSet) =>
        cmdlet.MyInvocation.MyCommand.Parameters.Values
            .Where(p => givenOnCommandLine.Contains(p.Name)
                && !p.ParameterSets.ContainsKey(parameterSet)
                && !p.ParameterSets.ContainsKey(ParameterAttribute.AllParameterSets))
            .Select(p => p.Name)
            .FirstOrDefault();

    /// <summary>
    /// The value of a typed by-value parameter for this record: the piped object when it is a <typeparamref name="T"/>
    /// (also inside a PSObject wrapper), else the command line's <paramref name="commandLine"/>. A piped one when the
    /// parameter was also given on the command line is an error naming it.
    /// </summary>
    internal static T? Route<T>(object? piped, T? commandLine, string parameter, string what)
        where T : class
    {
        if (PipelineValue.Unwrap(piped) is not T value)
        {
            return commandLine;
        }

        if (commandLine is not null)
        {
            throw PermissionErrors.InvalidArgument(parameter, $"-{parameter} was given on the command line and {what} was piped as well: give it one way.");
        }

        return value;
    }

    /// <summary>
    /// Refuses a piped object that is none of the cmdlet's by-value types (the caller has checked) and has no property
    /// that binds a parameter by name, naming <paramref name="parameter"/> and saying what may be piped
    /// (<paramref name="expected"/>). Nothing is refused when the command reads no pipeline input.
    /// </summary>
    internal void EnsureBound(object? piped, string parameter, string expected)
    {
        if (!cmdlet.MyInvocation.ExpectingInput)
        {
            return;
        }

        if (piped is not null)
        {
            var properties = PSObject.AsPSObject(piped).Properties;
            foreach (var name in byPropertyName)
            {
                if (properties[name] is not null)
                {
                    return;
                }
            }
        }

        var type = PipelineValue.Unwrap(piped)?.GetType().FullName ?? "null";
        // Each parameter, then its aliases as such.
        var names = bindable.Length == 0 ? "" : ", or objects with a property named " +
            string.Join(", ", bindable.Select(p => p.Aliases.Count == 0 ? p.Name : $"{p.Name} (alias {string.Join(", ", p.Aliases)})"));
        throw PermissionErrors.InvalidArgument(parameter, $"-{parameter}: the piped {type} binds to no parameter: pipe {expected}{names}.");
    }
}

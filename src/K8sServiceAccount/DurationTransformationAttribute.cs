using System.Management.Automation;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount;

/// <summary>
/// Lets a TimeSpan parameter take a duration the way kubectl users type one: a Go duration as kubectl's --duration
/// takes it ("30m", "1h30m", "3600s", "1.5h"), besides a TimeSpan value or TimeSpan text ("01:30:00"). A number
/// needs a unit: without this attribute PowerShell would read 3600 as ticks and "3600" as days. On failure PowerShell
/// reports "Cannot process argument transformation on parameter '&lt;name&gt;'." followed by the value and the reason.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class DurationTransformationAttribute : ArgumentTransformationAttribute
{
    /// <summary>The TimeSpan for a Go duration or TimeSpan text; any other value unchanged.</summary>
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        try
        {
            // A number literal typed as an argument (3600s is an Int16 to PowerShell) arrives wrapped in a PSObject
            // whose ToString returns the text as typed.
            var converted = DurationConversion.Convert(value, inputData is PSObject ? inputData.ToString() : null);
            return ReferenceEquals(converted, value) ? inputData : converted;
        }
        catch (ArgumentException e)
        {
            throw new ArgumentTransformationMetadataException(e.Message, e);
        }
    }
}

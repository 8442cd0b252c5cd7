using System.Management.Automation;
using K8sServiceAccount.Internal;

namespace K8sServiceAccount;

/// <summary>
/// Lets -RequestTimeout take what kubectl's --request-timeout takes: a whole number of seconds (0 means no timeout) or a
/// Go duration ("1s", "2m", "3h", "1h30m"), besides a TimeSpan value or TimeSpan text ("00:00:30"). A negative value or
/// text that is none of these is refused: PowerShell reports "Cannot process argument transformation on parameter
/// 'RequestTimeout'." followed by the value and the reason.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class RequestTimeoutTransformationAttribute : ArgumentTransformationAttribute
{
    /// <summary>The TimeSpan for the argument; a value of another type unchanged.</summary>
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        try
        {
            // A number typed as an argument (2s is an Int16 to PowerShell) arrives wrapped in a PSObject whose ToString
            // returns the text as typed.
            var converted = DurationConversion.ConvertRequestTimeout(value, inputData is PSObject ? inputData.ToString() : null);
            return ReferenceEquals(converted, value) ? inputData : converted;
        }
        catch (ArgumentException e)
        {
            throw new ArgumentTransformationMetadataException(e.Message, e);
        }
    }
}

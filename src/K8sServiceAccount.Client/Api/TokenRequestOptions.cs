using System.Globalization;

namespace K8sServiceAccount.Client.Api;

/// <summary>The object a bound token is tied to: the token stops working when that object is deleted.</summary>
/// <param name="Kind">Pod, Secret or Node.</param>
/// <param name="Name">The object's name (in the ServiceAccount's namespace for Pod and Secret).</param>
/// <param name="Uid">The object's UID; when null the server uses the UID of the object that exists now.</param>
public sealed record TokenBinding(string Kind, string Name, string? Uid = null)
{
    /// <summary>The kinds the API server can bind a token to, with the apiVersion kubectl sends for each.</summary>
    public static readonly IReadOnlyDictionary<string, string> SupportedKinds = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Node"] = "v1",
        ["Pod"] = "v1",
        ["Secret"] = "v1",
    };

    /// <inheritdoc />
    public override string ToString() => Uid is null ? $"{Kind}/{Name}" : $"{Kind}/{Name} ({Uid})";
}

/// <summary>
/// What a TokenRequest asks for. <see cref="Validate"/> applies kubectl create token's checks plus the API
/// server's duration bounds, so a bad request fails before it is sent.
/// </summary>
public sealed record TokenRequestOptions
{
    /// <summary>The API server refuses shorter tokens (spec.expirationSeconds minimum).</summary>
    public static readonly TimeSpan MinimumDuration = TimeSpan.FromMinutes(10);

    /// <summary>The API server refuses longer tokens (2^32 seconds).</summary>
    public static readonly TimeSpan MaximumDuration = TimeSpan.FromSeconds(4294967296);

    /// <summary>Audiences the token is for; empty means the API server's own audiences.</summary>
    public IReadOnlyList<string> Audiences { get; init; } = Array.Empty<string>();

    /// <summary>Requested lifetime; null (or zero, as kubectl's --duration 0) lets the server choose (normally one hour).</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>The object to bind the token to, if any.</summary>
    public TokenBinding? Binding { get; init; }

    /// <summary>The duration to send, or null when the server's default applies.</summary>
    public TimeSpan? EffectiveDuration => Duration is { } d && d != TimeSpan.Zero ? d : null;

    /// <summary>
    /// Throws <see cref="K8sClientException"/> for: a negative duration or one with a fraction of a second
    /// (InvalidTokenDuration), under 10 minutes (TokenDurationTooShort), over 2^32 seconds (TokenDurationTooLong),
    /// an empty audience (InvalidTokenAudience), an unsupported bound kind (InvalidBoundObjectKind), a kind
    /// without a name (BoundObjectNameRequired), a name or UID without a kind (BoundObjectKindRequired).
    /// </summary>
    public void Validate()
    {
        if (Duration is { } duration)
        {
            if (duration < TimeSpan.Zero)
            {
                throw Invalid("InvalidTokenDuration", $"Duration {GoDuration.Format(duration)} is negative: it must be greater than or equal to 0.");
            }

            if (duration.Ticks % TimeSpan.TicksPerSecond != 0)
            {
                throw Invalid("InvalidTokenDuration", $"Duration {GoDuration.Format(duration)} cannot be expressed in units less than seconds: a token lifetime is whole seconds.");
            }

            if (duration != TimeSpan.Zero && duration < MinimumDuration)
            {
                throw Invalid(
                    "TokenDurationTooShort",
                    $"Duration {GoDuration.Format(duration)} is too short: the API server rejects tokens under 10 minutes " +
                    $"(spec.expirationSeconds: Invalid value: {Seconds(duration)}: may not specify a duration less than 10 minutes).");
            }

            if (duration > MaximumDuration)
            {
                throw Invalid(
                    "TokenDurationTooLong",
                    $"Duration {GoDuration.Format(duration)} is too long: the API server rejects tokens over 2^32 seconds " +
                    $"(spec.expirationSeconds: Invalid value: {Seconds(duration)}: may not specify a duration larger than 2^32 seconds).");
            }
        }

        for (var i = 0; i < Audiences.Count; i++)
        {
            if (string.IsNullOrEmpty(Audiences[i]))
            {
                throw Invalid("InvalidTokenAudience", $"Audience must not be an empty string (entry {i}).");
            }
        }

        if (Binding is { } binding)
        {
            if (string.IsNullOrEmpty(binding.Kind))
            {
                throw Invalid(
                    "BoundObjectKindRequired",
                    string.IsNullOrEmpty(binding.Name)
                        ? "BoundObjectUid can only be set if BoundObjectKind is provided."
                        : "BoundObjectName can only be set if BoundObjectKind is provided.");
            }

            if (!TokenBinding.SupportedKinds.ContainsKey(binding.Kind))
            {
                throw Invalid(
                    "InvalidBoundObjectKind",
                    $"BoundObjectKind \"{binding.Kind}\" is not supported: supported values are {string.Join(", ", TokenBinding.SupportedKinds.Keys.Order(StringComparer.Ordinal))}.");
            }

            if (string.IsNullOrEmpty(binding.Name))
            {
                throw Invalid("BoundObjectNameRequired", $"BoundObjectName is required if BoundObjectKind is provided ({binding.Kind}).");
            }
        }
    }

    internal static string Seconds(TimeSpan duration) =>
        ((long)Math.Floor(duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    private static K8sClientException Invalid(string errorId, string message) =>
        new(errorId, K8sErrorCategory.InvalidArgument, message);
}

using System.Globalization;

namespace MixCacheOrt.Caching;

/// <summary>
/// A cache method with its knobs, as written on the command line: <c>FAMILY[:key=value,key=value…]</c>, e.g.
/// <c>teacache:l1=0.05</c>, <c>magcache:k=3,e=0.06</c>, <c>mixcache:n=eff,only=step</c>. Keys are checked against the
/// family's (<see cref="SpecKey"/>); every error is one line naming the key and what it takes.
/// </summary>
public sealed record CacheSpec(string Family, IReadOnlyDictionary<string, string> Settings)
{
    /// <summary>Parses the syntax only (families and keys are checked by <see cref="CachePolicyFactory"/>).</summary>
    /// <exception cref="CacheSpecException">Empty, or a setting that is not <c>key=value</c>, or a key given twice.</exception>
    public static CacheSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.Trim();
        int colon = trimmed.IndexOf(':', StringComparison.Ordinal);
        string family = (colon < 0 ? trimmed : trimmed[..colon]).Trim().ToLowerInvariant();
        if (family.Length == 0)
        {
            throw new CacheSpecException($"cache spec '{text}' has no method name; write e.g. teacache:l1=0.05");
        }

        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (colon >= 0)
        {
            foreach (string pair in trimmed[(colon + 1)..].Split(',', StringSplitOptions.TrimEntries))
            {
                int eq = pair.IndexOf('=', StringComparison.Ordinal);
                string key = eq < 0 ? string.Empty : pair[..eq].Trim().ToLowerInvariant();
                string value = eq < 0 ? string.Empty : pair[(eq + 1)..].Trim();
                if (key.Length == 0 || value.Length == 0)
                {
                    throw new CacheSpecException($"cache spec '{text}': '{pair}' is not key=value; write e.g. {family}:key=value,key=value");
                }

                if (!settings.TryAdd(key, value))
                {
                    throw new CacheSpecException($"cache spec '{text}' gives '{key}' twice");
                }
            }
        }

        return new CacheSpec(family, settings);
    }

    /// <summary>The spec written back in a canonical form (keys sorted), used as the method's name in reports.</summary>
    public string Canonical => this.Settings.Count == 0
        ? this.Family
        : $"{this.Family}:{string.Join(",", this.Settings.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}={s.Value}"))}";

    public override string ToString() => this.Canonical;
}

/// <summary>One key a cache family accepts: its meaning, default and parser (which returns an error or null).</summary>
public sealed record SpecKey(string Name, string Meaning, string Default, Func<string, string?> Check)
{
    public static SpecKey Number(string name, string meaning, double defaultValue, double min, double max, bool minExclusive = false) =>
        new(name, meaning, defaultValue.ToString(CultureInfo.InvariantCulture), v =>
            double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) && double.IsFinite(x)
                && (minExclusive ? x > min : x >= min) && x <= max
                ? null
                : string.Create(CultureInfo.InvariantCulture, $"a number {(minExclusive ? "above" : "from")} {min} {(minExclusive ? "and at most" : "to")} {max}"));

    public static SpecKey Whole(string name, string meaning, string defaultValue, int min, int max) =>
        new(name, meaning, defaultValue, v =>
            int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int x) && x >= min && x <= max
                ? null
                : string.Create(CultureInfo.InvariantCulture, $"a whole number from {min} to {max}"));

    public static SpecKey Choice(string name, string meaning, string defaultValue, params string[] allowed) =>
        new(name, meaning, defaultValue, v => allowed.Contains(v, StringComparer.OrdinalIgnoreCase) ? null : $"one of {string.Join(", ", allowed)}");

    /// <summary>How the key reads in an error listing the allowed keys.</summary>
    public string Describe() => $"{this.Name} ({this.Meaning}; default {this.Default})";
}

/// <summary>The settings of a checked spec, read with their defaults.</summary>
public sealed class SpecValues(CacheSpec spec)
{
    public CacheSpec Spec { get; } = spec;

    public bool Has(string key) => this.Spec.Settings.ContainsKey(key);

    public double Number(string key, double defaultValue) =>
        this.Spec.Settings.TryGetValue(key, out string? v) ? double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture) : defaultValue;

    public int Whole(string key, int defaultValue) =>
        this.Spec.Settings.TryGetValue(key, out string? v) ? int.Parse(v, NumberStyles.Integer, CultureInfo.InvariantCulture) : defaultValue;

    public string Text(string key, string defaultValue) =>
        this.Spec.Settings.TryGetValue(key, out string? v) ? v.ToLowerInvariant() : defaultValue;
}

/// <summary>A cache spec that cannot be used; the message is one line naming what is wrong and what is allowed.</summary>
public sealed class CacheSpecException(string message) : ArgumentException(message);

using System.Globalization;

namespace MixCacheOrt.Evaluation;

/// <summary>Culture-independent number formatting shared by the report writers.</summary>
internal static class EvaluationFormat
{
    /// <summary><paramref name="value"/> rounded to <paramref name="decimals"/> places, without trailing zeros or exponent.</summary>
    public static string Number(double value, int decimals) =>
        Math.Round(value, decimals).ToString("0." + new string('#', Math.Max(1, decimals)), CultureInfo.InvariantCulture);

    /// <summary><paramref name="value"/> with exactly <paramref name="decimals"/> places.</summary>
    public static string Fixed(double value, int decimals) =>
        value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>Mean step counts as "full 20 · step 22 · cfg 8" (one decimal when not whole).</summary>
    public static string Modes(IReadOnlyDictionary<string, double> modes) =>
        modes.Count == 0 ? "—" : string.Join(" · ", modes.Select(m => $"{m.Key} {Number(m.Value, 1)}"));

    /// <summary>"1 prompt", "3 prompts".</summary>
    public static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";
}

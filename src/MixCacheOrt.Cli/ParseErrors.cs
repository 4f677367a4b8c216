using System.Text.RegularExpressions;

namespace MixCacheOrt.Cli;

/// <summary>Rewrites System.CommandLine's parse errors in the words the rest of the CLI uses.</summary>
internal static partial class ParseErrors
{
    /// <summary>
    /// "Cannot parse argument '-5' for option '--seed' as expected type 'System.UInt64'." becomes
    /// "--seed must be a whole number from 0 to 18446744073709551615 (got '-5')"; other messages pass unchanged
    /// (without a trailing period).
    /// </summary>
    public static string Describe(string message)
    {
        Match choice = NotOneOf().Match(message);
        if (choice.Success)
        {
            // "Argument 'gpu' not recognized. Must be one of:\n\t'cpu'\n\t'cuda'" (several lines) becomes one line.
            string[] allowed = [.. choice.Groups["choice"].Captures.Select(c => c.Value)];
            return $"'{choice.Groups["value"].Value}' is not allowed; use one of {string.Join(", ", allowed)}";
        }

        Match m = CannotParse().Match(message);
        if (!m.Success)
        {
            return message.TrimEnd('.');
        }

        string kind = m.Groups["type"].Value switch
        {
            "System.UInt64" or "System.Nullable`1[System.UInt64]" => $"a whole number from 0 to {ulong.MaxValue}",
            "System.Int32" or "System.Nullable`1[System.Int32]" => "a whole number",
            "System.Int64" or "System.Nullable`1[System.Int64]" => "a whole number",
            "System.Double" or "System.Nullable`1[System.Double]" => "a number",
            "System.Boolean" => "true or false",
            _ => "a " + m.Groups["type"].Value,
        };
        return $"{m.Groups["option"].Value} must be {kind} (got '{m.Groups["value"].Value}')";
    }

    [GeneratedRegex(@"^Argument '(?<value>[^']*)' not recognized\. Must be one of:(?:\s*'(?<choice>[^']*)')+\s*$")]
    private static partial Regex NotOneOf();

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']+)' as expected type '(?<type>[^']+)'\.?$")]
    private static partial Regex CannotParse();
}

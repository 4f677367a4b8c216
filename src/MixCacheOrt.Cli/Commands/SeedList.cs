using System.Globalization;

namespace MixCacheOrt.Cli.Commands;

/// <summary>The <c>--seeds</c> syntax shared by <c>eval</c>, <c>profile</c> and <c>calibrate</c>: comma-separated
/// non-negative integers; duplicates are dropped (a repeated seed would only repeat a run).</summary>
internal static class SeedList
{
    public static bool TryParse(string? text, out IReadOnlyList<ulong> seeds, out string? error)
    {
        var list = new List<ulong>();
        seeds = list;
        error = null;
        foreach (string part in (text ?? string.Empty).Split(',', StringSplitOptions.TrimEntries))
        {
            if (!ulong.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out ulong seed))
            {
                error = $"--seeds must be comma-separated non-negative integers, e.g. --seeds 1,2 (got '{text}')";
                return false;
            }

            if (!list.Contains(seed))
            {
                list.Add(seed);
            }
        }

        return true;
    }
}

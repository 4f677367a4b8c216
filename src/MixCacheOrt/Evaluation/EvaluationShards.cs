using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MixCacheOrt.Evaluation;

/// <summary>
/// Splitting an evaluation into independent slices (<c>mixcache eval --shard i/n</c>) and merging their outputs
/// (<c>mixcache eval merge DIR...</c>). A slice is a set of whole (prompt, seed) groups, so every run is measured
/// against the full-compute reference of its own slice; slice i of n takes groups i-1, i-1+n, i-1+2n, ... in plan order.
/// Each slice's output holds <see cref="RecordsFile"/>, everything the merge needs.
/// </summary>
public static class EvaluationShards
{
    public const string RecordsFile = "records.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = false,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Parses <c>i/n</c> (1 ≤ i ≤ n); null when <paramref name="text"/> is not of that form.</summary>
    public static (int Index, int Count)? ParseShard(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split('/');
        return parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            && n >= 1 && i >= 1 && i <= n
            ? (i, n)
            : null;
    }

    /// <summary>The jobs of slice <paramref name="index"/> of <paramref name="count"/> (1-based), whole (prompt, seed) groups.</summary>
    public static IReadOnlyList<EvaluationJob> Select(IReadOnlyList<EvaluationJob> jobs, int index, int count)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var groups = jobs.GroupBy(j => (j.Prompt, j.Seed)).ToList();
        return [.. groups.Where((_, g) => g % count == index - 1).SelectMany(g => g)];
    }

    /// <summary>What one slice wrote, for the merge.</summary>
    public sealed record Slice(int Index, int Count, EvaluationSettings Settings, EvaluationEnvironment Environment, IReadOnlyList<EvaluationRecord> Records);

    /// <summary>Writes <see cref="RecordsFile"/> (records without their GIFs, which stay in the slice's <c>videos/</c>).</summary>
    public static void WriteRecords(string directory, Slice slice)
    {
        ArgumentNullException.ThrowIfNull(slice);
        File.WriteAllText(Path.Combine(directory, RecordsFile), JsonSerializer.Serialize(slice, Json));
    }

    /// <summary>Reads a slice's output; one-line errors name the folder.</summary>
    /// <exception cref="InvalidDataException">No or unreadable <see cref="RecordsFile"/>.</exception>
    public static Slice Read(string directory)
    {
        string path = Path.Combine(directory, RecordsFile);
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"'{directory}' has no {RecordsFile}; merge takes the --out folders of 'mixcache eval --shard i/n' runs");
        }

        Slice slice;
        try
        {
            slice = JsonSerializer.Deserialize<Slice>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"'{path}' is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not a slice's record file: {e.Message}", e);
        }

        // The GIFs come back from the slice's videos/ folder, where its report put them.
        return slice with
        {
            Records = [.. slice.Records.Select((r, i) =>
            {
                string gif = Path.Combine(directory, HtmlReport.VideoPath(r, i));
                return File.Exists(gif) ? r with { Gif = File.ReadAllBytes(gif) } : r;
            })],
        };
    }

    /// <summary>
    /// One report from every slice of one evaluation: the same settings (but the shard), all n slices once each; the
    /// records in plan order (prompt, then seed, then method, as an unsharded run has them).
    /// </summary>
    /// <remarks>
    /// Slices of several evaluations over the same model, steps, prompts and seeds but different methods (e.g. a
    /// frontier, then the same grid for methods added later) merge into one report too: each evaluation needs all
    /// its slices, no method may be in two of them, and every run keeps the speedup measured against the reference of
    /// its own slice; the report shows the first evaluation's reference.
    /// </remarks>
    /// <exception cref="InvalidDataException">Slices of different grids, missing or repeated slices, or a method measured twice.</exception>
    public static EvaluationReport Merge(IReadOnlyList<Slice> slices)
    {
        ArgumentNullException.ThrowIfNull(slices);
        if (slices.Count == 0)
        {
            throw new InvalidDataException("nothing to merge; give the --out folders of every slice");
        }

        Slice first = slices[0];
        foreach (Slice s in slices)
        {
            EvaluationSettings a = first.Settings, b = s.Settings;
            if (a.ModelName != b.ModelName || a.Steps != b.Steps || a.Scheduler != b.Scheduler || !a.Prompts.SequenceEqual(b.Prompts) || !a.Seeds.SequenceEqual(b.Seeds))
            {
                throw new InvalidDataException($"slice {s.Index}/{s.Count} is from another evaluation than slice {first.Index}/{first.Count} (model, steps, sampler, prompts or seeds differ)");
            }
        }

        // One part per evaluation (its method list), each complete.
        var parts = slices.GroupBy(s => string.Join("\n", s.Settings.Methods)).Select(g => g.ToList()).ToList();
        foreach (List<Slice> part in parts)
        {
            int[] indices = [.. part.Select(s => s.Index).Order()];
            int count = part[0].Count;
            if (part.Any(s => s.Count != count) || !indices.SequenceEqual(Enumerable.Range(1, count)))
            {
                throw new InvalidDataException($"need slices 1..{count} once each, got {string.Join(", ", indices)}"
                    + (parts.Count > 1 ? $" (of the evaluation of {string.Join(", ", part[0].Settings.Methods.Where(m => m != "none").Take(3))}, ...)" : string.Empty));
            }
        }

        var methods = new List<string>();
        foreach (List<Slice> part in parts)
        {
            foreach (string method in part[0].Settings.Methods)
            {
                if (methods.Contains(method) && method != "none")
                {
                    throw new InvalidDataException($"'{method}' is in two of the merged evaluations; merge each method's runs once");
                }

                if (!methods.Contains(method))
                {
                    methods.Add(method);
                }
            }
        }

        EvaluationSettings settings = first.Settings with { Methods = methods };
        IReadOnlyList<EvaluationRecord> records = [.. parts.SelectMany((part, i) => part.SelectMany(s => s.Records).Where(r => i == 0 || !r.IsReference))
            .OrderBy(r => IndexOf(settings.Prompts, r.Prompt))
            .ThenBy(r => IndexOf(settings.Seeds, r.Seed))
            .ThenBy(r => r.IsReference ? -1 : IndexOf(settings.Methods, r.Method))];
        EvaluationEnvironment environment = first.Environment with
        {
            StartedUtc = slices.Min(s => s.Environment.StartedUtc),
            FinishedUtc = slices.Max(s => s.Environment.FinishedUtc),
        };
        string origin = parts.Count == 1
            ? $"merged from {first.Count} slices"
            : $"merged from {parts.Count} evaluations of {string.Join(" + ", parts.Select(p => p[0].Count))} slices";
        return EvaluationReport.Create(settings with { CommandLine = $"{settings.CommandLine} ({origin})" }, environment, records);
    }

    private static int IndexOf<T>(IReadOnlyList<T> list, T item)
    {
        for (int i = 0; i < list.Count; i++)
        {
            if (EqualityComparer<T>.Default.Equals(list[i], item))
            {
                return i;
            }
        }

        return int.MaxValue;
    }
}

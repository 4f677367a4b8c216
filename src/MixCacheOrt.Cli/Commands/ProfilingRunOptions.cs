using System.CommandLine;
using MixCacheOrt.Evaluation;

namespace MixCacheOrt.Cli.Commands;

/// <summary>
/// The options that choose the (prompt, seed) runs of an offline measurement (<c>profile</c>, <c>calibrate</c>):
/// <c>--prompts FILE</c> (default <c>&lt;model&gt;/prompts/profile.txt</c>), <c>--count N</c>, <c>--seeds 1,2</c>.
/// </summary>
internal sealed class ProfilingRunOptions
{
    public Option<FileInfo?> Prompts { get; } = new("--prompts") { Description = "Prompts, one per line (default: <model>/prompts/profile.txt)." };

    public Option<int?> Count { get; } = new("--count") { Description = "Use only the first N prompts." };

    public Option<string> Seeds { get; } = new("--seeds") { Description = "Comma-separated noise seeds.", DefaultValueFactory = _ => "1" };

    public void AddTo(Command command)
    {
        command.Options.Add(this.Prompts);
        command.Options.Add(this.Count);
        command.Options.Add(this.Seeds);
    }

    /// <summary>The runs (every prompt × every seed), or a usage error that names the option and how to fix it.</summary>
    public (IReadOnlyList<(string Prompt, ulong Seed)> Runs, string? Error) Resolve(ParseResult parse, string modelDirectory)
    {
        string file = parse.GetValue(this.Prompts)?.FullName ?? Path.Combine(modelDirectory, "prompts", "profile.txt");
        if (!File.Exists(file))
        {
            return ([], $"prompt file '{file}' does not exist; pass --prompts FILE (one prompt per line)");
        }

        IEnumerable<string> prompts = PromptFile.Read(file);
        if (parse.GetValue(this.Count) is int n)
        {
            if (n < 1)
            {
                return ([], "--count must be at least 1");
            }

            prompts = prompts.Take(n);
        }

        if (!SeedList.TryParse(parse.GetValue(this.Seeds), out IReadOnlyList<ulong> seeds, out string? seedError))
        {
            return ([], seedError);
        }

        List<(string, ulong)> runs = [.. prompts.SelectMany(p => seeds.Select(s => (p, s)))];
        return runs.Count == 0 ? ([], $"need at least one prompt in '{file}' and one seed") : (runs, null);
    }
}

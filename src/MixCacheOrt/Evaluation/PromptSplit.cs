namespace MixCacheOrt.Evaluation;

/// <summary>
/// The frozen split of a model's prompts and seeds. Development: <c>prompts/profile.txt</c> and <c>prompts/eval.txt</c>
/// with seeds 1 and 2 (profiling, calibration and every tuning or design decision). Test: <c>prompts/test.txt</c> with
/// <see cref="TestSeeds"/>, used only for reported tables; <c>profile</c> and <c>calibrate</c> refuse it.
/// </summary>
public static class PromptSplit
{
    /// <summary>The test set's seeds, used nowhere else.</summary>
    public static IReadOnlyList<ulong> TestSeeds { get; } = [101, 102, 103];

    /// <summary>The development seeds of <c>eval</c> (also the default).</summary>
    public static IReadOnlyList<ulong> DevelopmentSeeds { get; } = [1, 2];

    /// <summary><c>&lt;model&gt;/prompts/test.txt</c>.</summary>
    public static string TestPromptsFile(string modelDirectory) => Path.Combine(modelDirectory, "prompts", "test.txt");

    /// <summary><c>&lt;model&gt;/prompts/eval.txt</c>.</summary>
    public static string DevelopmentPromptsFile(string modelDirectory) => Path.Combine(modelDirectory, "prompts", "eval.txt");

    /// <summary>
    /// Why these runs may not be used for profiling or calibration (a test prompt or a test seed among them), or null.
    /// </summary>
    public static string? TestSetUse(string modelDirectory, IEnumerable<(string Prompt, ulong Seed)> runs, string command)
    {
        ArgumentNullException.ThrowIfNull(runs);
        string file = TestPromptsFile(modelDirectory);
        HashSet<string> test = File.Exists(file) ? [.. PromptFile.Read(file)] : [];
        foreach ((string prompt, ulong seed) in runs)
        {
            if (test.Contains(prompt))
            {
                return $"prompt '{prompt}' is in the frozen test set ({file}); {command} uses development prompts only (prompts/profile.txt, prompts/eval.txt)";
            }

            if (TestSeeds.Contains(seed))
            {
                return $"seed {seed} is a test-set seed ({string.Join(", ", TestSeeds)}); {command} uses development seeds only";
            }
        }

        return null;
    }
}

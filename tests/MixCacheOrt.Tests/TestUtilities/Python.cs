using System.Collections.Concurrent;
using System.Diagnostics;

namespace MixCacheOrt.Tests.TestUtilities;

/// <summary>
/// Runs Debian's /usr/bin/python3 for cross-checks against independent implementations (numpy, Pillow, the Python
/// exporters). Tests that need it call <see cref="AssumeModules"/> first, so they are skipped (inconclusive) on
/// machines without that Python or module.
/// </summary>
internal static class Python
{
    public const string Executable = "/usr/bin/python3";

    private static readonly ConcurrentDictionary<string, bool> s_available = new();

    /// <summary>Skips the calling test unless python3 can import every module in <paramref name="modules"/>.</summary>
    public static void AssumeModules(params string[] modules)
    {
        foreach (string module in modules)
        {
            bool available = s_available.GetOrAdd(module, m => File.Exists(Executable) && TryRun($"import {m}", [], out _, out _));
            Assume.That(available, Is.True, $"{Executable} with the Python module '{module}' is not available");
        }
    }

    /// <summary>Runs <c>python3 -c script args...</c> and returns its standard output; fails the test on a non-zero exit.</summary>
    public static string Run(string script, params string[] args)
    {
        if (!TryRun(script, args, out string stdout, out string stderr))
        {
            Assert.Fail($"python3 failed:\n{stderr}");
        }

        return stdout;
    }

    /// <summary>The repository root (the directory holding MixCacheOrt.sln), found from the test assembly upwards.</summary>
    public static string RepoRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "MixCacheOrt.sln")))
            {
                return d.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No MixCacheOrt.sln above {AppContext.BaseDirectory}.");
    }

    private static bool TryRun(string script, string[] args, out string stdout, out string stderr)
    {
        ProcessStartInfo start = new(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        Task<string> error = process.StandardError.ReadToEndAsync();
        stdout = process.StandardOutput.ReadToEnd();
        stderr = error.Result;
        process.WaitForExit();
        return process.ExitCode == 0;
    }
}

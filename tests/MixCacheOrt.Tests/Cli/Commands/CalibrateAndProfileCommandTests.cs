using MixCacheOrt.Caching.Baselines;
using MixCacheOrt.Caching.MixCache;
using MixCacheOrt.Cli;
using MixCacheOrt.Tests.TestUtilities;

namespace MixCacheOrt.Tests.Cli.Commands;

/// <summary>The offline measurement commands: bad run options fail before any work; a short real run writes complete files.</summary>
public sealed class CalibrateAndProfileCommandTests
{
    [TestCase("calibrate", "--count", "0", "--count")]
    [TestCase("calibrate", "--seeds", "1,x", "--seeds")]
    [TestCase("calibrate", "--input", "q", "--input")]
    [TestCase("profile", "--count", "0", "--count")]
    [TestCase("profile", "--prompts", "/nonexistent/prompts.txt", "prompts.txt")]
    [TestCase("profile", "--seeds", "102", "seed 102 is a test-set seed (101, 102, 103); profile uses development seeds only")]
    [TestCase("calibrate", "--seeds", "1,103", "seed 103 is a test-set seed (101, 102, 103); calibrate uses development seeds only")]
    public void BadRunOptionsAreUsageErrorsNamingTheOption(string command, string option, string value, string named)
    {
        using var dir = new TempDirectory();
        string target = Path.Combine(dir.Path, "out.json");
        (int exitCode, string error) = Run(command, "--model", ShippedModel.Directory, option, value, "--out", target);
        Assert.That(exitCode, Is.EqualTo(ExitCodes.Usage));
        Assert.That(error, Does.Contain(named));
        Assert.That(File.Exists(target), Is.False);
    }

    [TestCase("profile")]
    [TestCase("calibrate")]
    public void TestPrompts_AreRefused(string command)
    {
        using var dir = new TempDirectory();
        string target = Path.Combine(dir.Path, "out.json");
        string testFile = Path.Combine(ShippedModel.Directory, "prompts", "test.txt");

        (int exitCode, string error) = Run(command, "--model", ShippedModel.Directory, "--prompts", testFile, "--count", "1", "--out", target);

        Assert.That(exitCode, Is.EqualTo(ExitCodes.Usage));
        Assert.That(error, Does.Contain("is in the frozen test set").And.Contain($"{command} uses development prompts only"));
        Assert.That(File.Exists(target), Is.False);
    }

    [Test]
    public void CalibrateWritesBothCalibrationsThatThePoliciesLoad()
    {
        using var dir = new TempDirectory();
        string target = Path.Combine(dir.Path, "teacache.json");
        (int exitCode, string error) = Run("calibrate", "--model", ShippedModel.Directory, "--count", "1", "--steps", "8", "--threads", "2", "--out", target);
        Assert.That(exitCode, Is.EqualTo(ExitCodes.Success), error);
        TeaCacheCalibration tea = TeaCacheCalibration.Load(target);
        MagCacheCalibration mag = MagCacheCalibration.Load(Path.Combine(dir.Path, MagCacheCalibration.FileName));
        Assert.That(tea.Points, Is.EqualTo(7), "one point per step after the first");
        Assert.That(tea.Coefficients, Has.Length.EqualTo(5));
        Assert.That(mag.Ratios, Has.Length.EqualTo(8));
        Assert.That(mag.Ratios[0], Is.EqualTo(1.0));
        Assert.That(mag.Ratios.Skip(1), Is.All.InRange(0.5, 2.0), "consecutive residuals of a smooth sampler have similar magnitudes");
    }

    [Test]
    public void ProfileWritesAProfileThatLoads()
    {
        using var dir = new TempDirectory();
        string target = Path.Combine(dir.Path, "profile.json");
        (int exitCode, string error) = Run("profile", "--model", ShippedModel.Directory, "--count", "1", "--steps", "8", "--impact-stride", "4", "--threads", "2", "--out", target);
        Assert.That(exitCode, Is.EqualTo(ExitCodes.Success), error);
        MixCacheProfile profile = MixCacheProfile.Load(target);
        Assert.That(profile.Steps, Is.EqualTo(8));
        Assert.That(profile.Delta1, Is.LessThanOrEqualTo(profile.Delta2));
    }

    private static (int ExitCode, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exitCode = Program.Run(args, output, error);
        return (exitCode, error.ToString());
    }
}

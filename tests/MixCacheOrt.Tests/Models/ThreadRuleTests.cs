using MixCacheOrt.Models;

namespace MixCacheOrt.Tests.Models;

public sealed class ThreadRuleTests
{
    // Expected values worked by hand from the rule: one thread per 8192 activation elements (tokens × dim), at least
    // one, at most the cores.
    [TestCase(128, 128, 2, 2)]        // tiny-wan on this 2-core machine: 16384 / 8192 = 2
    [TestCase(128, 128, 16, 2)]       // tiny-wan on a 16-core machine: still 2, not 16
    [TestCase(128, 128, 1, 1)]        // capped by the cores
    [TestCase(16, 64, 8, 1)]          // smaller than one thread's share: 1
    [TestCase(1560, 512, 16, 16)]     // an M-sized model at a small grid: 97 wanted, 16 cores
    [TestCase(32760, 1536, 16, 16)]   // Wan2.1-1.3B at 480p: all cores
    public void Choose_OneThreadPer8192ActivationElements_CappedByCores(int tokens, int dim, int cores, int expected) =>
        Assert.That(ThreadRule.Choose(tokens, dim, cores), Is.EqualTo(expected));

    [Test]
    public void Choose_RejectsNonPositiveSizes()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ThreadRule.Choose(0, 128, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => ThreadRule.Choose(128, 0, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => ThreadRule.Choose(128, 128, 0));
    }

    [Test]
    public void ThreadsZero_LoadsThePackageWithTheRulesCount()
    {
        using ModelPackage package = ModelPackage.Load(TestUtilities.ShippedModel.Directory, new ExecutionSettings { Threads = 0 }, verifyChecksums: false);

        Assert.That(package.Settings.Threads, Is.EqualTo(Math.Min(2, Environment.ProcessorCount)), "tiny-wan: 128 tokens × dim 128");
    }
}

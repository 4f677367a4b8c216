using MixCacheOrt.Caching;
using MixCacheOrt.Evaluation;

namespace MixCacheOrt.Tests.Evaluation;

public sealed class EvaluationMethodsTests
{
    private static readonly string[] s_known = ["none", "trace", "mixcache-acc", "mixcache-eff", "pab"];

    [Test]
    public void DefaultsAddOnlyTheBaselinesTheFactoryKnows()
    {
        Assert.That(EvaluationMethods.Defaults(s_known), Is.EqualTo(new[] { "none", "mixcache-acc", "mixcache-eff", "pab" }));
    }

    [Test]
    public void DefaultsOfTheRealFactoryAreAllCreatableNames()
    {
        IReadOnlyList<string> defaults = EvaluationMethods.Defaults(CachePolicyFactory.Names);
        Assert.That(defaults.Take(3), Is.EqualTo(new[] { "none", "mixcache-acc", "mixcache-eff" }));
        Assert.That(defaults, Is.SubsetOf(CachePolicyFactory.Names));
        Assert.That(defaults, Is.Unique);
    }

    [Test]
    public void AblationSetIsKnownToTheFactory()
    {
        Assert.That(EvaluationMethods.Ablation[0], Is.EqualTo("none"));
        Assert.That(EvaluationMethods.Ablation, Is.SubsetOf(CachePolicyFactory.Names));
        Assert.That(EvaluationMethods.Ablation, Has.Count.EqualTo(7));
    }

    [Test]
    public void ResolvePutsTheReferenceFirstAndDropsDuplicatesIgnoringCase()
    {
        IReadOnlyList<string> methods = EvaluationMethods.Resolve(["MixCache-Eff", "pab", "NONE", "mixcache-eff"], s_known);
        Assert.That(methods, Is.EqualTo(new[] { "none", "mixcache-eff", "pab" }));
    }

    [Test]
    public void ResolveAddsTheReferenceWhenNotListed()
    {
        Assert.That(EvaluationMethods.Resolve(EvaluationMethods.Split("pab"), s_known), Is.EqualTo(new[] { "none", "pab" }));
    }

    [Test]
    public void UnknownNameNamesItselfAndTheKnownOnes()
    {
        UnknownMethodException e = Assert.Throws<UnknownMethodException>(() => EvaluationMethods.Resolve(["pab", "bogus"], s_known))!;
        Assert.That(e.Name, Is.EqualTo("bogus"));
        Assert.That(e.Message, Does.Contain("'bogus'").And.Contain("none, trace, mixcache-acc, mixcache-eff, pab"));
    }

    [Test]
    public void EmptyEntryIsRejected()
    {
        Assert.Throws<ArgumentException>(() => EvaluationMethods.Resolve(EvaluationMethods.Split("pab,,mixcache-eff"), s_known));
    }
}

namespace MixCacheOrt.Tests;

/// <summary>Runs once before any test in the assembly.</summary>
[SetUpFixture]
public sealed class OrtTestSetup
{
    [OneTimeSetUp]
    public void QuietOrtLogging()
    {
        // Many tests provoke ORT errors on purpose; ORT would also log each one to stderr. The exceptions carry the
        // same text. Set MIXCACHE_ORT_LOG_LEVEL yourself to see ORT's log while debugging.
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("MIXCACHE_ORT_LOG_LEVEL")))
        {
            Environment.SetEnvironmentVariable("MIXCACHE_ORT_LOG_LEVEL", "fatal");
        }
    }
}

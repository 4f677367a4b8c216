using MixCacheOrt.Cli;

namespace MixCacheOrt.Tests.Cli;

public sealed class ParseErrorsTests
{
    // The messages are System.CommandLine 3's, copied from its output for these arguments.
    [TestCase("Cannot parse argument '-5' for option '--seed' as expected type 'System.UInt64'.", "--seed must be a whole number from 0 to 18446744073709551615 (got '-5')")]
    [TestCase("Cannot parse argument 'abc' for option '--steps' as expected type 'System.Nullable`1[System.Int32]'.", "--steps must be a whole number (got 'abc')")]
    [TestCase("Cannot parse argument 'x' for option '--guidance' as expected type 'System.Nullable`1[System.Double]'.", "--guidance must be a number (got 'x')")]
    [TestCase("Unrecognized command or argument '--bogus'.", "Unrecognized command or argument '--bogus'")]
    [TestCase("Argument 'gpu' not recognized. Must be one of:\n\t'cpu'\n\t'cuda'", "'gpu' is not allowed; use one of cpu, cuda")]
    public void Describe_SaysWhatTheOptionTakes(string message, string expected) =>
        Assert.That(ParseErrors.Describe(message), Is.EqualTo(expected));
}

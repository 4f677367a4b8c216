namespace MixCacheOrt.Tests.TestUtilities;

/// <summary>The ONNX Runtime version the build pins (<c>OrtVersion</c> in Directory.Packages.props).</summary>
internal static class PinnedOrt
{
    private static readonly Lazy<string> Pinned = new(() =>
        System.Xml.Linq.XDocument.Load(Path.Combine(Python.RepoRoot(), "Directory.Packages.props")).Descendants("OrtVersion").Single().Value);

    public static string Version => Pinned.Value;
}

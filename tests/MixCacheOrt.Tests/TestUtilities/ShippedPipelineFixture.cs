using MixCacheOrt.Models;
using MixCacheOrt.Pipelines;

namespace MixCacheOrt.Tests.TestUtilities;

/// <summary>Loads the shipped model and one pipeline once per test class (2 threads).</summary>
public abstract class ShippedPipelineFixture
{
    protected ModelPackage Package { get; private set; } = null!;

    protected TextToVideoPipeline Pipeline { get; private set; } = null!;

    [OneTimeSetUp]
    public void LoadShippedPipeline()
    {
        this.Package = ModelPackage.Load(ShippedModel.Directory, new ExecutionSettings { Threads = 2 });
        this.Pipeline = new TextToVideoPipeline(this.Package);
    }

    [OneTimeTearDown]
    public void UnloadShippedPipeline()
    {
        this.Pipeline.Dispose();
        this.Package.Dispose();
    }
}

using MixCacheOrt.Ort.Native;

namespace MixCacheOrt.Ort;

/// <summary>
/// Per-run options (<c>OrtRunOptions</c>): cancellation of in-flight runs, run configuration entries, log level.
/// </summary>
public sealed unsafe class OrtRunOptions : IDisposable
{
    private readonly OrtHandle handle;

    public OrtRunOptions()
    {
        nint options;
        OrtStatus.ThrowIfFailed(OrtApi.CreateRunOptions(&options));
        this.handle = new OrtHandle(options, OrtHandleKind.RunOptions);
    }

    internal nint Pointer => this.handle.Pointer;

    /// <summary>
    /// Makes runs using these options stop as soon as possible (current and future ones, until
    /// <see cref="UnsetTerminate"/>); they fail with an <see cref="OrtException"/>. Safe to call from another thread.
    /// </summary>
    public void SetTerminate() => this.Check(OrtApi.RunOptionsSetTerminate(this.Pointer));

    /// <summary>Clears the flag set by <see cref="SetTerminate"/>, so these options can be used again.</summary>
    public void UnsetTerminate() => this.Check(OrtApi.RunOptionsUnsetTerminate(this.Pointer));

    /// <summary>Calls <see cref="SetTerminate"/> when <paramref name="cancellationToken"/> is cancelled; dispose the registration after the run.</summary>
    public CancellationTokenRegistration TerminateOn(CancellationToken cancellationToken) =>
        cancellationToken.Register(static state => ((OrtRunOptions)state!).SetTerminate(), this);

    /// <summary>
    /// Adds a run configuration entry (<c>AddRunConfigEntry</c>), e.g.
    /// <c>disable_synchronize_execution_providers</c> = <c>1</c> or <c>memory.enable_memory_arena_shrinkage</c> = <c>cpu:0</c>.
    /// </summary>
    public void AddConfigEntry(string key, string value)
    {
        fixed (byte* k = Utf8.NullTerminated(key), v = Utf8.NullTerminated(value))
        {
            this.Check(OrtApi.AddRunConfigEntry(this.Pointer, k, v));
        }
    }

    /// <summary>Log severity for runs with these options.</summary>
    public void SetLogSeverityLevel(OrtLoggingLevel level) => this.Check(OrtApi.RunOptionsSetRunLogSeverityLevel(this.Pointer, (int)level));

    /// <summary>Tag that identifies runs with these options in ORT's logs.</summary>
    public void SetRunTag(string tag)
    {
        fixed (byte* t = Utf8.NullTerminated(tag))
        {
            this.Check(OrtApi.RunOptionsSetRunTag(this.Pointer, t));
        }
    }

    public void Dispose() => this.handle.Dispose();

    private void Check(nint status)
    {
        OrtStatus.ThrowIfFailed(status);
        GC.KeepAlive(this);
    }
}

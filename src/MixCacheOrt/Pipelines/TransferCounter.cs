namespace MixCacheOrt.Pipelines;

/// <summary>
/// Counts the bytes the executor moves between managed host arrays and ORT values: host → device when a host tensor
/// (latent, timestep, tokens) is bound as an input, device → host when an output or a cached activation is read into
/// host memory. With the CUDA provider these are the PCIe copies; with the CPU provider the same crossings are counted
/// (some are zero-copy there), so a CPU run shows what a GPU run would move.
/// </summary>
public sealed class TransferCounter
{
    /// <summary>Bytes bound from host arrays into ORT inputs so far.</summary>
    public long HostToDevice { get; private set; }

    /// <summary>Bytes read from ORT values into host memory so far.</summary>
    public long DeviceToHost { get; private set; }

    public void AddHostToDevice(long bytes) => this.HostToDevice += bytes;

    public void AddDeviceToHost(long bytes) => this.DeviceToHost += bytes;

    /// <summary>Both totals, to subtract from a later snapshot.</summary>
    public (long HostToDevice, long DeviceToHost) Snapshot() => (this.HostToDevice, this.DeviceToHost);
}

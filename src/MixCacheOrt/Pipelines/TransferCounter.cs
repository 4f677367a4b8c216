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

    /// <summary>Of all the bytes, those of tensors (latents, activations, host views), as opposed to scalars (timesteps, weights, distances).</summary>
    public long TensorBytes { get; private set; }

    /// <summary>Scalars going up: timesteps, weights, slice bounds.</summary>
    public void AddHostToDevice(long bytes) => this.HostToDevice += bytes;

    /// <summary>Scalars coming back: distances, the finiteness check.</summary>
    public void AddDeviceToHost(long bytes) => this.DeviceToHost += bytes;

    /// <summary>A tensor bound from host memory (the initial noise, a host latent, a constant table).</summary>
    public void AddTensorToDevice(long bytes)
    {
        this.HostToDevice += bytes;
        this.TensorBytes += bytes;
    }

    /// <summary>A tensor copied to host memory (the final latent, a host view a reader asked for).</summary>
    public void AddTensorToHost(long bytes)
    {
        this.DeviceToHost += bytes;
        this.TensorBytes += bytes;
    }

    /// <summary>Both totals, to subtract from a later snapshot.</summary>
    public (long HostToDevice, long DeviceToHost) Snapshot() => (this.HostToDevice, this.DeviceToHost);
}

namespace MixCacheOrt.Tests.TestUtilities;

/// <summary>Resident memory of this process, from /proc/self/status.</summary>
internal static class ProcessMemory
{
    /// <summary>VmRSS in bytes.</summary>
    public static long ResidentBytes()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                string kilobytes = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kilobytes, System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException("/proc/self/status has no VmRSS line.");
    }

    /// <summary>
    /// Collects garbage and runs finalizers, so native memory held by unreachable handles is released, then collects
    /// aggressively so the GC also returns its free (committed but unused) regions to the OS. Without that, VmRSS
    /// would include managed heap space the GC merely keeps around, which grows with the allocation rate, not with leaks.
    /// </summary>
    public static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
    }
}

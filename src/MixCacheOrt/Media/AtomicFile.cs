namespace MixCacheOrt.Media;

/// <summary>
/// Writes files and whole directories so that a reader never sees partial output: everything is written under a
/// temporary name in the same directory and renamed into place only after it is complete. If the writer throws
/// (including <see cref="OperationCanceledException"/> after Ctrl-C), the temporary file or directory is deleted
/// and the target is left as it was.
/// </summary>
/// <remarks>
/// <para>
/// Temporary names: a file <c>dir/name</c> is written as <c>dir/.name.tmp-&lt;random&gt;</c>; a directory
/// <c>path</c> is built as <c>path.tmp-&lt;random&gt;</c> next to it. Both are on the same file system as the target,
/// so the final rename is atomic. Only a process that is killed outright (SIGKILL, power loss) can leave such a
/// temporary sibling behind; it never leaves a partial target.
/// </para>
/// <para>
/// Replacing an existing directory (<c>overwrite: true</c>) takes two renames (old one aside, new one in), so for a
/// moment the path does not exist; a reader can still never see a mixture of old and new files.
/// </para>
/// </remarks>
public static class AtomicFile
{
    /// <summary>
    /// Starts writing <paramref name="path"/>: returns a temporary file in the same directory that becomes
    /// <paramref name="path"/> on <see cref="PendingFile.Commit"/> and is deleted if disposed without a commit.
    /// Use it when the data is in a span, which a <see cref="Write(string, Action{Stream})"/> callback cannot capture.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The directory of <paramref name="path"/> does not exist.</exception>
    public static PendingFile Create(string path) => new(Path.GetFullPath(path), useAsync: false);

    /// <summary>
    /// Writes <paramref name="path"/> through <paramref name="write"/>: the stream is a new temporary file that is
    /// flushed to disk and then renamed over <paramref name="path"/> (replacing an existing file).
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The directory of <paramref name="path"/> does not exist.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        using PendingFile file = Create(path);
        write(file.Stream);
        file.Commit();
    }

    /// <summary>Asynchronous <see cref="Write(string, Action{Stream})"/>; cancellation deletes the temporary file.</summary>
    public static async Task WriteAsync(
        string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        using PendingFile file = new(Path.GetFullPath(path), useAsync: true);
        await write(file.Stream, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        await file.Stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        file.Commit();
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        using PendingFile file = Create(path);
        file.Stream.Write(bytes);
        file.Commit();
    }

    /// <summary>
    /// Creates the directory <paramref name="path"/> with everything <paramref name="populate"/> writes into the
    /// directory it is given (a temporary sibling), then renames that directory to <paramref name="path"/>.
    /// </summary>
    /// <param name="path">The directory to create.</param>
    /// <param name="populate">Writes the contents; receives the full path of the temporary directory.</param>
    /// <param name="overwrite">Replace <paramref name="path"/> if it exists; otherwise an existing path is an error.</param>
    /// <exception cref="IOException"><paramref name="path"/> exists and <paramref name="overwrite"/> is false
    /// (checked before <paramref name="populate"/> runs and again at the rename).</exception>
    public static void CreateDirectory(string path, Action<string> populate, bool overwrite = false)
    {
        ArgumentNullException.ThrowIfNull(populate);
        string target = PrepareDirectoryTarget(path, overwrite);
        string temporary = CreateTemporaryDirectory(target);
        try
        {
            populate(temporary);
            MoveDirectoryIntoPlace(temporary, target, overwrite);
        }
        catch
        {
            TryDeleteDirectory(temporary);
            throw;
        }
    }

    /// <summary>
    /// Asynchronous <see cref="CreateDirectory(string, Action{string}, bool)"/>. When
    /// <paramref name="cancellationToken"/> is cancelled (or <paramref name="populate"/> throws), the temporary
    /// directory is deleted and <paramref name="path"/> is not created.
    /// </summary>
    public static async Task CreateDirectoryAsync(
        string path,
        Func<string, CancellationToken, Task> populate,
        bool overwrite = false,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(populate);
        string target = PrepareDirectoryTarget(path, overwrite);
        cancellationToken.ThrowIfCancellationRequested();
        string temporary = CreateTemporaryDirectory(target);
        try
        {
            await populate(temporary, cancellationToken).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            MoveDirectoryIntoPlace(temporary, target, overwrite);
        }
        catch
        {
            TryDeleteDirectory(temporary);
            throw;
        }
    }

    internal static string TemporaryFilePath(string target)
    {
        string directory = Path.GetDirectoryName(target)
            ?? throw new ArgumentException($"'{target}' is not a file path.", nameof(target));
        return Path.Combine(directory, $".{Path.GetFileName(target)}.tmp-{RandomSuffix()}");
    }

    private static string PrepareDirectoryTarget(string path, bool overwrite)
    {
        string target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        if (Path.GetDirectoryName(target) is null)
        {
            throw new ArgumentException($"Cannot replace the root directory '{target}'.", nameof(path));
        }

        if (!overwrite && Path.Exists(target))
        {
            throw new IOException($"'{target}' already exists.");
        }

        if (overwrite && File.Exists(target))
        {
            throw new IOException($"'{target}' exists and is a file, not a directory.");
        }

        return target;
    }

    private static string CreateTemporaryDirectory(string target)
    {
        string temporary = $"{target}.tmp-{RandomSuffix()}";
        Directory.CreateDirectory(temporary);
        return temporary;
    }

    private static void MoveDirectoryIntoPlace(string temporary, string target, bool overwrite)
    {
        if (!overwrite || !Directory.Exists(target))
        {
            // Directory.Move refuses an existing destination, so a target created meanwhile is never replaced.
            Directory.Move(temporary, target);
            return;
        }

        string old = $"{target}.old-{RandomSuffix()}";
        Directory.Move(target, old);
        try
        {
            Directory.Move(temporary, target);
        }
        catch
        {
            Directory.Move(old, target); // put the previous contents back
            throw;
        }

        TryDeleteDirectory(old);
    }

    private static string RandomSuffix() => Guid.NewGuid().ToString("N")[..12];

    internal static void TryDeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the original exception matters more than a leftover temporary file.
        }
    }

    private static void TryDeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort, as above.
        }
    }
}

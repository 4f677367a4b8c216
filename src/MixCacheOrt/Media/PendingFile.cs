namespace MixCacheOrt.Media;

/// <summary>
/// A file being written atomically (<see cref="AtomicFile.Create"/>): write to <see cref="Stream"/>, then call
/// <see cref="Commit"/> to flush it to disk and rename it to <see cref="Path"/>. Disposing without a commit (for
/// example because an exception is propagating) deletes the temporary file and leaves <see cref="Path"/> untouched.
/// </summary>
public sealed class PendingFile : IDisposable
{
    private readonly FileStream stream;
    private bool committed;
    private bool disposed;

    internal PendingFile(string path, bool useAsync)
    {
        this.Path = path;
        this.TemporaryPath = AtomicFile.TemporaryFilePath(path);
        this.stream = new FileStream(
            this.TemporaryPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 4096, useAsync);
    }

    /// <summary>The file that <see cref="Commit"/> creates or replaces (full path).</summary>
    public string Path { get; }

    /// <summary>The hidden temporary file being written, <c>.name.tmp-&lt;random&gt;</c> next to <see cref="Path"/>.</summary>
    public string TemporaryPath { get; }

    /// <summary>Where the contents go.</summary>
    public Stream Stream
    {
        get
        {
            ObjectDisposedException.ThrowIf(this.disposed || this.committed, this);
            return this.stream;
        }
    }

    /// <summary>Flushes the data to disk and renames the temporary file to <see cref="Path"/>, replacing any file there.</summary>
    /// <exception cref="InvalidOperationException">Already committed.</exception>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(this.disposed, this);
        if (this.committed)
        {
            throw new InvalidOperationException($"'{this.Path}' is already committed.");
        }

        try
        {
            this.stream.Flush(flushToDisk: true);
            this.stream.Dispose();
            File.Move(this.TemporaryPath, this.Path, overwrite: true);
            this.committed = true;
        }
        catch
        {
            this.Dispose();
            throw;
        }
    }

    /// <summary>Closes the file; without a <see cref="Commit"/>, deletes it.</summary>
    public void Dispose()
    {
        if (this.disposed)
        {
            return;
        }

        this.disposed = true;
        if (this.committed)
        {
            return; // Commit closed the stream
        }

        try
        {
            this.stream.Dispose();
        }
        catch (IOException)
        {
            // Flushing data that is about to be deleted failed; that does not matter.
        }

        AtomicFile.TryDeleteFile(this.TemporaryPath);
    }
}

using MixCacheOrt.Media;
using MixCacheOrt.Tests.TestUtilities;

namespace MixCacheOrt.Tests.Media;

public sealed class AtomicFileTests
{
    private string root = null!;

    [SetUp]
    public void CreateRoot() => this.root = Directory.CreateTempSubdirectory("atomic-").FullName;

    [TearDown]
    public void DeleteRoot() => Directory.Delete(this.root, recursive: true);

    private string[] Entries() =>
        [.. Directory.GetFileSystemEntries(this.root, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(this.root, p)).Order()];

    [Test]
    public void Write_CreatesTheFileAndNothingElse()
    {
        string path = Path.Combine(this.root, "out.bin");

        AtomicFile.Write(path, stream => stream.Write([1, 2, 3]));

        Assert.That(File.ReadAllBytes(path), Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(this.Entries(), Is.EqualTo(new[] { "out.bin" }));
    }

    [Test]
    public void Write_WriterThrowsMidway_LeavesNothing()
    {
        string path = Path.Combine(this.root, "clip.gif");
        bool temporaryExisted = false;

        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            GifWriter.Write(stream, TestClips.Moving(TestClips.Disk, TestClips.Red, TestClips.Dark, 5, 8, 16, 2, 0));
            stream.Flush();
            temporaryExisted = this.Entries().Length == 1 && this.Entries()[0].StartsWith(".clip.gif.tmp-", StringComparison.Ordinal);
            throw new InvalidOperationException("writer failed");
        }));

        Assert.That(temporaryExisted, Is.True, "the data went to a hidden temporary file");
        Assert.That(this.Entries(), Is.Empty);
    }

    [Test]
    public void Write_WriterThrows_KeepsTheOldFile()
    {
        string path = Path.Combine(this.root, "out.txt");
        File.WriteAllText(path, "old");

        Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write("new, but"u8);
            throw new IOException("disk full");
        }));

        Assert.That(File.ReadAllText(path), Is.EqualTo("old"));
        Assert.That(this.Entries(), Is.EqualTo(new[] { "out.txt" }));
    }

    [Test]
    public void Write_ReplacesAnExistingFile()
    {
        string path = Path.Combine(this.root, "out.txt");
        File.WriteAllText(path, "old contents that are longer");

        AtomicFile.WriteAllBytes(path, "new"u8);

        Assert.That(File.ReadAllText(path), Is.EqualTo("new"));
        Assert.That(this.Entries(), Is.EqualTo(new[] { "out.txt" }));
    }

    [Test]
    public void Create_DisposedWithoutCommit_DeletesTheTemporaryFile()
    {
        string path = Path.Combine(this.root, "out.npy");
        string temporary;
        using (PendingFile file = AtomicFile.Create(path))
        {
            file.Stream.Write(new byte[100]);
            temporary = file.TemporaryPath;
            Assert.That(File.Exists(temporary), Is.True);
            Assert.That(Path.GetFileName(temporary), Does.StartWith(".out.npy.tmp-"));
        }

        Assert.That(this.Entries(), Is.Empty);
    }

    [Test]
    public void Create_Commit_RenamesOnceAndClosesTheStream()
    {
        string path = Path.Combine(this.root, "out.bin");
        using PendingFile file = AtomicFile.Create(path);
        file.Stream.Write([7]);

        file.Commit();

        Assert.That(File.ReadAllBytes(path), Is.EqualTo(new byte[] { 7 }));
        Assert.Throws<InvalidOperationException>(file.Commit);
        Assert.Throws<ObjectDisposedException>(() => _ = file.Stream);
        Assert.That(this.Entries(), Is.EqualTo(new[] { "out.bin" }));
    }

    [Test]
    public async Task WriteAsync_Cancelled_LeavesNothing()
    {
        string path = Path.Combine(this.root, "out.bin");
        using CancellationTokenSource cancel = new();

        await Assert.CatchAsync<OperationCanceledException>(() => AtomicFile.WriteAsync(path, async (stream, token) =>
        {
            await stream.WriteAsync(new byte[1000], token);
            await cancel.CancelAsync();
            await Task.Delay(Timeout.Infinite, token);
        }, cancel.Token));

        Assert.That(this.Entries(), Is.Empty);
    }

    [Test]
    public async Task WriteAsync_WritesTheFile()
    {
        string path = Path.Combine(this.root, "out.bin");

        await AtomicFile.WriteAsync(path, (stream, token) => stream.WriteAsync(new byte[] { 9, 8 }, token).AsTask());

        Assert.That(File.ReadAllBytes(path), Is.EqualTo(new byte[] { 9, 8 }));
        Assert.That(this.Entries(), Is.EqualTo(new[] { "out.bin" }));
    }

    [Test]
    public void CreateDirectory_PopulatesATemporarySiblingThenRenames()
    {
        string path = Path.Combine(this.root, "run");
        string? seen = null;

        AtomicFile.CreateDirectory(path, directory =>
        {
            seen = directory;
            Assert.That(Path.Exists(path), Is.False, "the target appears only when complete");
            File.WriteAllText(Path.Combine(directory, "a.txt"), "a");
            Directory.CreateDirectory(Path.Combine(directory, "frames"));
            File.WriteAllText(Path.Combine(directory, "frames", "0.png"), "png");
        });

        Assert.That(Path.GetDirectoryName(seen), Is.EqualTo(this.root));
        Assert.That(Path.GetFileName(seen), Does.StartWith("run.tmp-"));
        Assert.That(this.Entries(), Is.EqualTo(new[] { "run", "run/a.txt", "run/frames", "run/frames/0.png" }));
    }

    [Test]
    public void CreateDirectory_PopulateThrowsMidway_LeavesNothing()
    {
        string path = Path.Combine(this.root, "run");

        Assert.Throws<InvalidOperationException>(() => AtomicFile.CreateDirectory(path, directory =>
        {
            File.WriteAllText(Path.Combine(directory, "first.gif"), "partial");
            throw new InvalidOperationException("model failed");
        }));

        Assert.That(this.Entries(), Is.Empty);
    }

    [Test]
    public async Task CreateDirectoryAsync_CancelledMidway_LeavesNothing()
    {
        string path = Path.Combine(this.root, "run");
        using CancellationTokenSource cancel = new();

        await Assert.CatchAsync<OperationCanceledException>(() => AtomicFile.CreateDirectoryAsync(path, async (directory, token) =>
        {
            await File.WriteAllTextAsync(Path.Combine(directory, "0.gif"), "partial", token);
            await cancel.CancelAsync(); // as Ctrl-C would
            await Task.Delay(Timeout.Infinite, token);
        }, cancellationToken: cancel.Token));

        Assert.That(this.Entries(), Is.Empty);
    }

    [Test]
    public async Task CreateDirectoryAsync_CancelledAfterPopulate_DoesNotRename()
    {
        string path = Path.Combine(this.root, "run");
        using CancellationTokenSource cancel = new();

        await Assert.CatchAsync<OperationCanceledException>(() => AtomicFile.CreateDirectoryAsync(path, async (directory, token) =>
        {
            await File.WriteAllTextAsync(Path.Combine(directory, "0.gif"), "complete", token);
            await cancel.CancelAsync(); // the populate step ignores it, but the rename must not happen
        }, cancellationToken: cancel.Token));

        Assert.That(this.Entries(), Is.Empty);
    }

    [Test]
    public void CreateDirectory_Existing_ThrowsBeforePopulating()
    {
        string path = Path.Combine(this.root, "run");
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, "keep.txt"), "keep");
        bool populated = false;

        var e = Assert.Throws<IOException>(() => AtomicFile.CreateDirectory(path, _ => populated = true));

        Assert.That(e!.Message, Does.Contain("already exists"));
        Assert.That(populated, Is.False);
        Assert.That(this.Entries(), Is.EqualTo(new[] { "run", "run/keep.txt" }));
    }

    [Test]
    public void CreateDirectory_Overwrite_ReplacesTheOldDirectory()
    {
        string path = Path.Combine(this.root, "run");
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, "old.txt"), "old");

        AtomicFile.CreateDirectory(path, directory => File.WriteAllText(Path.Combine(directory, "new.txt"), "new"), overwrite: true);

        Assert.That(this.Entries(), Is.EqualTo(new[] { "run", "run/new.txt" }));
    }

    [Test]
    public void CreateDirectory_OverwriteButPopulateThrows_KeepsTheOldDirectory()
    {
        string path = Path.Combine(this.root, "run");
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, "old.txt"), "old");

        Assert.Throws<InvalidOperationException>(() => AtomicFile.CreateDirectory(
            path, _ => throw new InvalidOperationException("failed"), overwrite: true));

        Assert.That(this.Entries(), Is.EqualTo(new[] { "run", "run/old.txt" }));
    }
}

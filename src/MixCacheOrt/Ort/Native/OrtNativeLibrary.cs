using System.Runtime.InteropServices;

namespace MixCacheOrt.Ort.Native;

/// <summary>
/// Loads the ONNX Runtime shared library by full path and resolves the <c>OrtApi</c> table for API version 30.
/// </summary>
/// <remarks>
/// <para>
/// Search order: the directory in the <c>MIXCACHE_ORT_DIR</c> environment variable (a user-provided ONNX Runtime
/// 1.30 directory, e.g. one with the CUDA provider libraries beside <c>libonnxruntime.so.1</c>), otherwise
/// <see cref="AppContext.BaseDirectory"/>, where the build copies the library fetched by
/// <c>scripts/fetch-ort.sh</c>. The npm build ships only <c>libonnxruntime.so.1</c> (no <c>libonnxruntime.so</c>
/// symlink), so <c>[DllImport("onnxruntime")]</c> could not resolve it; the library is loaded with
/// <see cref="NativeLibrary.Load(string)"/> and only the exported <c>OrtGetApiBase</c> symbol is bound.
/// </para>
/// <para>The library is loaded once per process and never unloaded.</para>
/// </remarks>
internal static unsafe class OrtNativeLibrary
{
    /// <summary>The <c>ORT_API_VERSION</c> this binding's slot indices were taken from.</summary>
    public const uint ApiVersion = 30;

    /// <summary>The ONNX Runtime release the build fetches and the binding is tested with.</summary>
    public const string ExpectedVersion = "1.30.0";

    /// <summary>Environment variable naming a user-provided ONNX Runtime directory.</summary>
    public const string DirectoryVariable = "MIXCACHE_ORT_DIR";

    private static readonly Lock s_lock = new();
    private static nint s_api; // OrtApi*
    private static string? s_path;
    private static string? s_version;

    /// <summary>The <c>OrtApi*</c> function table, loading the library on first use.</summary>
    public static nint* Api
    {
        get
        {
            nint api = Volatile.Read(ref s_api);
            return api != 0 ? (nint*)api : Load();
        }
    }

    /// <summary>Full path of the loaded library.</summary>
    public static string LibraryPath
    {
        get
        {
            _ = Api;
            return s_path!;
        }
    }

    /// <summary><c>OrtGetApiBase()->GetVersionString()</c> of the loaded library, e.g. <c>1.30.0</c>.</summary>
    public static string Version
    {
        get
        {
            _ = Api;
            return s_version!;
        }
    }

    /// <summary>File names tried in each directory, most specific first.</summary>
    internal static string[] CandidateFileNames =>
        OperatingSystem.IsWindows() ? ["onnxruntime.dll"]
        : OperatingSystem.IsMacOS() ? [$"libonnxruntime.{ExpectedVersion}.dylib", "libonnxruntime.dylib"]
        : ["libonnxruntime.so.1", "libonnxruntime.so"];

    /// <summary>Finds the library file that <see cref="Load"/> would load, or explains why there is none.</summary>
    internal static string ResolvePath()
    {
        string? userDirectory = Environment.GetEnvironmentVariable(DirectoryVariable);
        bool fromUser = !string.IsNullOrEmpty(userDirectory);
        string directory = fromUser ? userDirectory! : AppContext.BaseDirectory;
        foreach (string name in CandidateFileNames)
        {
            string candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return Path.GetFullPath(candidate);
            }
        }

        string names = string.Join(" or ", CandidateFileNames);
        throw new OrtLibraryException(fromUser
            ? $"{DirectoryVariable} is set to '{directory}', but that directory has no {names}. " +
              $"Put ONNX Runtime {ExpectedVersion} there (for CUDA with libonnxruntime_providers_shared.so and " +
              $"libonnxruntime_providers_cuda.so beside it), or unset {DirectoryVariable} to use the copy the build fetches."
            : $"ONNX Runtime native library not found: no {names} in '{directory}'. The build copies it there: run " +
              $"'dotnet build' in the MixCacheOrt repository (it runs scripts/fetch-ort.sh, which needs npm once), " +
              $"or set {DirectoryVariable} to a directory containing ONNX Runtime {ExpectedVersion}.");
    }

    private static nint* Load()
    {
        lock (s_lock)
        {
            if (s_api != 0)
            {
                return (nint*)s_api;
            }

            string path = ResolvePath();
            nint library;
            try
            {
                library = NativeLibrary.Load(path);
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
            {
                throw new OrtLibraryException(
                    $"Failed to load the ONNX Runtime library '{path}': {e.Message}. It must be the linux-x64 build of " +
                    $"ONNX Runtime {ExpectedVersion}; delete it and rebuild to fetch it again, or fix {DirectoryVariable}.",
                    e);
            }

            if (!NativeLibrary.TryGetExport(library, "OrtGetApiBase", out nint getApiBase))
            {
                throw new OrtLibraryException(
                    $"'{path}' does not export OrtGetApiBase, so it is not an ONNX Runtime library. " +
                    $"Replace it with ONNX Runtime {ExpectedVersion}, or fix {DirectoryVariable}.");
            }

            // struct OrtApiBase { const OrtApi* (*GetApi)(uint32_t); const char* (*GetVersionString)(void); }
            nint* apiBase = ((delegate* unmanaged<nint*>)getApiBase)();
            var getApi = (delegate* unmanaged<uint, nint*>)apiBase[0];
            var getVersionString = (delegate* unmanaged<byte*>)apiBase[1];
            string version = Utf8.ToString(getVersionString());

            nint* api = getApi(ApiVersion);
            if (api == null)
            {
                throw new OrtLibraryException(
                    $"ONNX Runtime at '{path}' is version {version}, which does not provide C API version {ApiVersion}; " +
                    $"MixCacheOrt needs ONNX Runtime {ExpectedVersion} (or newer). Delete that file and rebuild to fetch " +
                    $"{ExpectedVersion}, or point {DirectoryVariable} at an ONNX Runtime {ExpectedVersion} directory.");
            }

            s_path = path;
            s_version = version;
            Volatile.Write(ref s_api, (nint)api);
            return api;
        }
    }
}

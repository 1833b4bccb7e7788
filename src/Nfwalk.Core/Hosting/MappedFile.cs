using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Nfwalk.Hosting;

/// <summary>
/// A regular file's bytes mapped read-only into memory (mmap MAP_PRIVATE | MAP_POPULATE), as grep-like tools read large
/// files: the pages are the kernel's page cache itself, put in this process's page tables in one call, where read()
/// first has the kernel find a fresh zeroed page for every 4 KiB of a buffer (a page fault each) and then copies the
/// file into it. The mapping is released when this handle is (or when its finalizer runs).
/// A file cut shorter by another process while mapped would fault on its missing pages (SIGBUS): the mapping is only
/// made when the length is the same before and after it, and NFWALK_MMAP=0 reads files instead.
/// </summary>
internal sealed unsafe class MappedFile : SafeHandleZeroOrMinusOneIsInvalid
{
    private const int ProtRead = 1, MapPrivate = 2, MapPopulate = 0x8000;

    [DllImport("libc", SetLastError = true)]
    private static extern nint mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [DllImport("libc", SetLastError = true)]
    private static extern int munmap(nint address, nuint length);

    private MappedFile() : base(ownsHandle: true) { }

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Span => new((void*)handle, Length);

    /// <summary>The file's <paramref name="length"/> bytes mapped; null when it cannot be (not Linux, an error, or the length changed).</summary>
    public static MappedFile? TryMap(SafeFileHandle file, int length)
    {
        if (!OperatingSystem.IsLinux() || length <= 0 || Environment.GetEnvironmentVariable("NFWALK_MMAP") == "0") return null;
        try
        {
            nint at = mmap(0, (nuint)length, ProtRead, MapPrivate | MapPopulate, (int)file.DangerousGetHandle(), 0);
            if (at == -1 || at == 0) return null;
            var m = new MappedFile { Length = length };
            m.SetHandle(at);
            if (RandomAccess.GetLength(file) != length) { m.Dispose(); return null; }
            return m;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or IOException) { return null; }
    }

    protected override bool ReleaseHandle() => munmap(handle, (nuint)Length) == 0;
}

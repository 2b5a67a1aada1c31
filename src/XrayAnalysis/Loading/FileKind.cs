using System.Runtime.InteropServices;

namespace XrayAnalysis.Loading;

/// <summary>
/// What kind of file a path names (after following symbolic links), found without opening it: opening a FIFO for reading
/// blocks until a writer appears, and a device can be endless. Uses <c>statx(2)</c> on Linux, whose buffer layout is the
/// same on every architecture, and file attributes elsewhere.
/// </summary>
internal static partial class FileKind
{
    /// <summary>Null when <paramref name="path"/> is a regular file; else a reason such as "a FIFO (named pipe), not a regular file".</summary>
    public static string? NotRegular(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            ushort mode = 0;
            int rc;
            unsafe
            {
                byte* buf = stackalloc byte[256];
                rc = Statx(-100 /* AT_FDCWD */, path, 0, 0x1 /* STATX_TYPE */, buf);
                if (rc == 0)
                {
                    mode = *(ushort*)(buf + 28);
                }
            }

            if (rc != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                return errno switch
                {
                    2 => "file not found",
                    13 => "access denied",
                    40 => "too many levels of symbolic links",
                    _ => $"cannot stat the file (errno {errno})",
                };
            }

            return (mode & 0xF000) switch
            {
                0x8000 => null,
                0x1000 => "a FIFO (named pipe), not a regular file; not opened",
                0x2000 => "a character device, not a regular file; not opened",
                0x6000 => "a block device, not a regular file; not opened",
                0xC000 => "a socket, not a regular file; not opened",
                0x4000 => "a directory, not a file",
                _ => $"not a regular file (mode 0x{mode:X4}); not opened",
            };
        }

        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return Directory.Exists(path) ? "a directory, not a file" : "file not found";
        }

        return (info.Attributes & FileAttributes.Device) != 0 ? "a device, not a regular file; not opened" : null;
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);
}

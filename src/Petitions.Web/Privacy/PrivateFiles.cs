namespace Petitions.Privacy;

/// <summary>
/// Files and folders that hold personal data or secrets (the database, its WAL, backups, sent
/// emails, keys) are the service user's alone: files 0600, folders 0700. Each mode is set with
/// chmod after creation, so it does not depend on the umask the service was started with.
/// </summary>
public static class PrivateFiles
{
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    [System.Runtime.Versioning.UnsupportedOSPlatformGuard("windows")]
    private static bool Unix => !OperatingSystem.IsWindows();

    /// <summary>Creates the folder (and missing parents) as 0700; an existing one is left as it is.</summary>
    /// <remarks>Parents may be shared folders the operator chose (the working directory): only what is created here is narrowed.</remarks>
    public static void CreateFolder(string path)
    {
        if (!Unix)
        {
            Directory.CreateDirectory(path);
            return;
        }

        var full = Path.GetFullPath(path);
        var missing = new Stack<string>();
        for (var folder = full; !string.IsNullOrEmpty(folder) && !Directory.Exists(folder); folder = Path.GetDirectoryName(folder))
        {
            missing.Push(folder);
        }

        while (missing.TryPop(out var folder))
        {
            Directory.CreateDirectory(folder, FolderMode);
            File.SetUnixFileMode(folder, FolderMode);
        }
    }

    /// <summary>A folder only this service uses (pickup, keys): created 0700, or narrowed to 0700 if it exists.</summary>
    public static void OwnFolder(string path)
    {
        CreateFolder(path);
        Narrow(path, FolderMode);
    }

    /// <summary>A new empty file, 0600; fails if it exists.</summary>
    public static FileStream CreateFile(string path)
    {
        var options = new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (Unix)
        {
            options.UnixCreateMode = FileMode;
        }

        var stream = new FileStream(path, options);
        if (Unix)
        {
            File.SetUnixFileMode(stream.SafeFileHandle, FileMode);
        }

        return stream;
    }

    /// <summary>Takes away group's and others' access to an existing file or folder (0600 / 0700); false if it could not.</summary>
    public static bool Narrow(string path, UnixFileMode mode)
    {
        if (!Unix || !Path.Exists(path))
        {
            return true;
        }

        try
        {
            if ((File.GetUnixFileMode(path) & GroupOrOther) != 0)
            {
                File.SetUnixFileMode(path, mode);
            }

            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Another owner's file, or a read-only file system: the start-up check reports it.
            return false;
        }
    }

    /// <summary>Whether group or others may use the file or folder.</summary>
    public static bool IsOpenToOthers(string path) =>
        Unix && Path.Exists(path) && (File.GetUnixFileMode(path) & GroupOrOther) != 0;
}

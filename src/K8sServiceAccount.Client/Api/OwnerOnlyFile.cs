namespace K8sServiceAccount.Client.Api;

/// <summary>
/// Writes files that hold credentials: readable and writable by the owner only on Unix (created 0600; on
/// Windows the file inherits its directory's ACL), all or nothing (a temporary file in the same directory
/// renamed into place), and never over an existing file unless asked.
/// </summary>
public static class OwnerOnlyFile
{
    /// <summary>
    /// Writes <paramref name="content"/> to <paramref name="path"/>. Without <paramref name="overwrite"/> an
    /// existing file is left alone and the call fails with FileAlreadyExists; other failures are FileWriteFailed.
    /// The content never appears in an error message.
    /// </summary>
    public static void WriteAllText(string path, string content, bool overwrite)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(content);
        var fullPath = CheckTarget(path, overwrite);

        var directory = Path.GetDirectoryName(fullPath)!;
        var temporary = Path.Combine(directory, "." + Path.GetFileName(fullPath) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var stream = new FileStream(temporary, options))
            using (var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false)))
            {
                writer.Write(content);
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, fullPath, overwrite);
        }
        catch (IOException e) when (!overwrite && File.Exists(fullPath))
        {
            // Someone created the file between our check and the rename: still not ours to replace.
            throw Exists(fullPath, e);
        }
        catch (DirectoryNotFoundException e)
        {
            // Its message names the temporary file, which the user never asked for.
            throw NoFolder(fullPath, directory, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failed(fullPath, e.Message, e);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>
    /// Checks, before anything with an effect (a token request) happens, that <paramref name="path"/> may be
    /// written: it is missing, or (with <paramref name="overwrite"/>) a regular file. A directory, device,
    /// FIFO or socket is refused (PathNotRegularFile), also behind a symbolic link; a link to a regular file
    /// is followed, so the file it points at is replaced and the link stays. Returns the full path to write.
    /// </summary>
    public static string CheckTarget(string path, bool overwrite)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = Path.GetFullPath(path);
        FileSystemInfo info = new FileInfo(fullPath);
        if (info.LinkTarget is not null)
        {
            try
            {
                info = info.ResolveLinkTarget(returnFinalTarget: true) ?? info;
            }
            catch (IOException e)
            {
                throw NotRegular(fullPath, "it is a symbolic link that cannot be followed (" + e.Message + ")", e);
            }
            fullPath = info.FullName;
            info = new FileInfo(fullPath);
        }

        if (Directory.Exists(fullPath))
        {
            throw NotRegular(fullPath, "it is a directory", null);
        }

        if (!info.Exists)
        {
            // Found now, before a token is requested, rather than as the temporary file's DirectoryNotFoundException.
            var directory = Path.GetDirectoryName(fullPath);
            if (directory is not null && !Directory.Exists(directory))
            {
                throw NoFolder(fullPath, directory, null);
            }
            return fullPath;
        }

        if (Config.RegularFile.NotRegular(fullPath) is { } kind)
        {
            throw NotRegular(fullPath, "it is " + kind, null);
        }

        if (!overwrite)
        {
            throw Exists(fullPath);
        }

        return fullPath;
    }

    private static K8sClientException NotRegular(string path, string reason, Exception? inner) =>
        new("PathNotRegularFile", K8sErrorCategory.InvalidArgument,
            $"The path {path} is not a regular file: {reason}. Only a regular file is replaced (or a missing one created); nothing was written.", inner)
        {
            Target = path,
        };

    private static K8sClientException Exists(string path, Exception? inner = null) =>
        new("FileAlreadyExists", K8sErrorCategory.ResourceExists,
            $"The file {path} already exists; it was not overwritten. Use -Force to replace it.", inner)
        {
            Target = path,
        };

    private static K8sClientException NoFolder(string path, string directory, Exception? inner) =>
        new("FileWriteFailed", K8sErrorCategory.WriteError, $"Could not write {path}: the folder {directory} does not exist; nothing was written.", inner)
        {
            Target = path,
        };

    private static K8sClientException Failed(string path, string reason, Exception? inner) =>
        new("FileWriteFailed", K8sErrorCategory.WriteError, $"Could not write {path}: {reason}", inner)
        {
            Target = path,
        };
}

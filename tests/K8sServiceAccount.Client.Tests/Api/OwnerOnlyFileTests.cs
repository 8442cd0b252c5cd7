using K8sServiceAccount.Client.Api;

namespace K8sServiceAccount.Client.Tests.Api;

public sealed class OwnerOnlyFileTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("k8ssa-file-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void Writes_the_content_readable_by_the_owner_only()
    {
        var path = Path.Combine(directory, "sa.kubeconfig");
        OwnerOnlyFile.WriteAllText(path, "secret content", overwrite: false);

        Assert.Equal("secret content", File.ReadAllText(path));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        Assert.Equal(new[] { path }, Directory.GetFiles(directory));
    }

    [Fact]
    public void Refuses_to_overwrite_without_being_asked()
    {
        var path = Path.Combine(directory, "existing");
        File.WriteAllText(path, "keep me");

        var e = Assert.Throws<K8sClientException>(() => OwnerOnlyFile.WriteAllText(path, "new", overwrite: false));

        Assert.Equal("FileAlreadyExists", e.ErrorId);
        Assert.Equal(K8sErrorCategory.ResourceExists, e.Category);
        Assert.Equal(path, e.Target);
        Assert.DoesNotContain("new", e.Message.Replace(path, ""));
        Assert.Equal("keep me", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(directory));
    }

    [Fact]
    public void Overwrites_when_asked_and_tightens_the_mode()
    {
        var path = Path.Combine(directory, "existing");
        File.WriteAllText(path, "old");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        OwnerOnlyFile.WriteAllText(path, "new", overwrite: true);

        Assert.Equal("new", File.ReadAllText(path));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        Assert.Single(Directory.GetFiles(directory));
    }

    [Fact]
    public void A_directory_is_refused_as_not_a_regular_file_and_a_missing_parent_is_a_write_error_naming_the_path()
    {
        // A directory is never replaced, even with overwrite (issue 11, defect 8).
        var e = Assert.Throws<K8sClientException>(() => OwnerOnlyFile.WriteAllText(directory, "x", overwrite: true));
        Assert.Equal("PathNotRegularFile", e.ErrorId);
        Assert.Contains(directory, e.Message);

        var missing = Path.Combine(directory, "no-such-dir", "file");
        var e2 = Assert.Throws<K8sClientException>(() => OwnerOnlyFile.WriteAllText(missing, "x", overwrite: false));
        Assert.Equal("FileWriteFailed", e2.ErrorId);
        Assert.Equal(K8sErrorCategory.WriteError, e2.Category);
        // The folder is named, not the temporary file the writer would have created in it.
        Assert.Equal($"Could not write {missing}: the folder {Path.GetDirectoryName(missing)} does not exist; nothing was written.", e2.Message);
    }
}

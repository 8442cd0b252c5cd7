using K8sServiceAccount.LocalApiServer;

namespace K8sServiceAccount.Integration.Tests.LocalApiServer;

public sealed class StateDirectoryTests
{
    [Fact]
    public async Task StateDirectoryKeepsTheCaAndSigningKeyAcrossRestartsAndKeysArePrivate()
    {
        string state = Directory.CreateTempSubdirectory("apiserver-state-").FullName;
        try
        {
            string ca, keyId, token;
            await using (var first = await LocalApiServerHost.StartAsync(new LocalApiServerOptions { StateDirectory = state }))
            {
                ca = first.ServerCaPem;
                keyId = first.Context.Tokens.Signer.KeyId;
                token = first.Context.Tokens.IssueBoundToken("default", "default", "uid", [first.Context.Tokens.Issuer],
                    DateTimeOffset.UtcNow, 3600, null);
            }
            await using var second = await LocalApiServerHost.StartAsync(new LocalApiServerOptions { StateDirectory = state });
            Assert.Equal(ca, second.ServerCaPem);
            Assert.Equal(keyId, second.Context.Tokens.Signer.KeyId);
            Assert.NotNull(second.Context.Tokens.Signer.Verify(token));
            if (!OperatingSystem.IsWindows())
            {
                foreach (string key in new[] { "ca.key", "sa.key" })
                {
                    Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(state, key)));
                }
            }
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }
}

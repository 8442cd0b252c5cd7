#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    What a cold runbook loads (issue 12, "Cold runbook"): on PowerShell 7.6 (.NET 10) the client and YamlDotNet come from
    Dependencies/net10.0, compiled ReadyToRun, so their code is not JIT-compiled on the first command; the portable
    .NET 8 build in Dependencies/ stays for PowerShell 7.4 and 7.5. Checked in a child pwsh, as a runbook starts.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:modulePath = Get-StagedModulePath
    $script:dependencies = Join-Path (Split-Path $modulePath) 'Dependencies'

    function Test-ReadyToRun([string] $Path) {
        $stream = [System.IO.File]::OpenRead($Path)
        try {
            $reader = [System.Reflection.PortableExecutable.PEReader]::new($stream)
            $reader.PEHeaders.CorHeader.ManagedNativeHeaderDirectory.Size -gt 0
        }
        finally { $stream.Dispose() }
    }
}

Describe 'The staged module on .NET 10' {
    It 'stages the client and YamlDotNet ReadyToRun for .NET 10 beside the portable build' {
        foreach ($name in 'K8sServiceAccount.Client.dll', 'YamlDotNet.dll') {
            Join-Path $dependencies $name | Should -Exist
            $net10 = Join-Path $dependencies "net10.0/$name"
            $net10 | Should -Exist
            Test-ReadyToRun $net10 | Should -BeTrue -Because "$name in net10.0/ is the ReadyToRun build"
        }
        # Only assemblies: no symbols, doc files or deps.json from the publish.
        Get-ChildItem (Join-Path $dependencies 'net10.0') | Where-Object Extension -NE '.dll' | Should -BeNullOrEmpty
    }

    It 'loads the ReadyToRun client in pwsh, and its code is not JIT-compiled when a kubeconfig is read' {
        $script = Join-Path $TestDrive 'load.ps1'
        $kubeconfig = Join-Path $TestDrive 'config'
        Set-Content -LiteralPath $kubeconfig -Value @'
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: { server: https://127.0.0.1:1 }
users:
- name: u
  user: { token: not-a-secret }
contexts:
- name: ctx
  context: { cluster: c, user: u, namespace: ns }
current-context: ctx
'@
        Set-Content -LiteralPath $script -Value @"
`$env:DOTNET_JitStdOutFile = `$null
Import-Module '$modulePath'
`$null = Get-K8sContext -Kubeconfig '$kubeconfig'
`$client = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'K8sServiceAccount.Client' }
[System.Environment]::Version.Major
`$client.Location
"@
        $jitLog = Join-Path $TestDrive 'jit.txt'
        $env:DOTNET_JitStdOutFile = $jitLog
        $env:DOTNET_JitDisasmSummary = '1'
        try { $out = Invoke-ChildPwsh -File $script } finally { $env:DOTNET_JitStdOutFile = $null; $env:DOTNET_JitDisasmSummary = $null }
        # (Only the output: a runtime writing DOTNET_JitStdOutFile has been seen to abort at exit, after the script ran.)
        $out.Count | Should -BeGreaterOrEqual 2 -Because ($out -join "`n")
        $out[0] | Should -BeGreaterOrEqual 10
        $out[1] | Should -Be (Join-Path $dependencies 'net10.0/K8sServiceAccount.Client.dll')
        # The JIT's list of what it compiled (the runtime writes it with DOTNET_JitDisasmSummary): the client's and
        # YamlDotNet's own methods come precompiled. Generic instantiations over other assemblies' types may still be
        # compiled; with the portable build this was several hundred methods.
        $jitted = @(Get-Content -LiteralPath $jitLog | Where-Object { $_ -match 'JIT compiled (K8sServiceAccount\.Client|YamlDotNet)\.' -and $_ -notmatch '\[.*\]\(|`\d\[' })
        $jitted.Count | Should -BeLessThan 20 -Because ($jitted | Select-Object -First 20 | Out-String)
    }
}

#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    The README's main job: scripts/Demo.ps1 (what `dotnet pwsh ./build.ps1 -Task Demo` runs after building) in a child
    pwsh, as a user runs it, against its own local API server. It must exit 0, show the story's answers, run kubectl
    auth whoami as sample-sa, never print the token, and leave no server behind. The kubectl on PATH is 1.33 (which
    sends protobuf bodies, as most users' kubectl does today) when it is installed, and must be in CI; /usr/bin/kubectl
    may be the Cloud SDK's dispatcher, which would pick the version matching the server's 1.28.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:demo = Join-Path $PSScriptRoot '../../scripts/Demo.ps1'
    # The configuration that was built last (dotnet test builds Debug, build.ps1 Release).
    $serverDll = Find-LocalApiServerDll -BuildDirectory (Join-Path $TestDrive 'server')
    $configuration = Split-Path -Leaf (Split-Path -Parent (Split-Path -Parent $serverDll))
    # Plain text: no ANSI escapes from the child's formatting in the text matched below or in a failure message.
    $kubectl133 = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33'
    if ($env:CI -eq 'true' -and -not (Test-Path $kubectl133)) { throw "kubectl 1.33 is required at $kubectl133 in CI" }
    $savedPath = $env:PATH
    try {
        if (Test-Path $kubectl133) {
            $bin = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'kubectl-1.33-bin')
            New-Item -ItemType SymbolicLink -Path (Join-Path $bin 'kubectl') -Target $kubectl133 | Out-Null
            $env:PATH = "$bin$([System.IO.Path]::PathSeparator)$savedPath"
        }
        $script:output = (Invoke-ChildPwsh -File $script:demo -Configuration $configuration 2>&1 | Out-String -Width 200) -replace '\e\[[0-9;]*m', ''
        $script:exitCode = $LASTEXITCODE
    }
    finally {
        $env:PATH = $savedPath
    }
}

Describe 'The demo (the README main job)' {
    It 'exits 0' {
        $exitCode | Should -Be 0 -Because $output
    }

    It 'creates sample-sa, grants, checks, explains and cleans up' {
        $output | Should -Match '== New-K8sServiceAccount sample-sa'
        $output | Should -Match 'k8ssa-grant:default:sample-sa'
        $output | Should -Match 'granted by:'
        $output | Should -Match 'The local API server is stopped'
    }

    It 'answers the batch in input order: get and update/scale allowed, patch/scale and delete denied' {
        $rows = [regex]::Matches($output, '(?m)^(get|update|patch|delete)\s+apps\s+deployments\s+(scale\s+)?(True|False)\b')
        $rows.ForEach({ '{0} {1}' -f $_.Groups[1].Value, $_.Groups[3].Value }) |
            Should -Be 'get True', 'update True', 'patch False', 'delete False'
    }

    It 'shows who the ServiceAccount kubeconfig authenticates as (kubectl auth whoami)' {
        $output | Should -Match 'Username\s+system:serviceaccount:default:sample-sa'
    }

    It 'runs a Deployment as sample-sa and shows its Pod''s user (the article''s last step)' {
        $output | Should -Match '== Get-K8sWorkload -ServiceAccount sample-sa'
        $output | Should -Match '(?m)^Deployment\s+sample-app\s+system:serviceaccount:default:sample-sa'
        $output | Should -Match '(?m)^Pod\s+sample-app-\S+\s+system:serviceaccount:default:sample-sa'
    }

    It 'never prints a token' {
        # A JWT is three base64url parts; the demo prints claims only.
        $output | Should -Not -Match 'eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.'
    }
}

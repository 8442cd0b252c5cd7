#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    kubectl 1.32 and later send protobuf request bodies ("application/vnd.kubernetes.protobuf") for built-in kinds,
    with no fallback to JSON. What the module writes must work with the kubectl users have today: the kubeconfig of
    New-K8sSaKubeconfig, read by kubectl 1.32 and 1.33 (auth whoami posts a protobuf SelfSubjectReview); Demo.Tests.ps1
    runs the demo with kubectl 1.33 as the kubectl on PATH. Without the binary the test is skipped, except in CI
    (CI=true), where it fails.
#>

BeforeDiscovery {
    $script:kubectlVersions = @('1.32', '1.33') | ForEach-Object {
        @{ Version = $_; Path = "/usr/lib/google-cloud-sdk/bin/kubectl.$_" }
    }
    $script:inCi = $env:CI -eq 'true'
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:server = Start-TestSession -Directory $TestDrive -Namespace default
    New-K8sServiceAccount -Name proto-sa | Out-Null
    $script:saKubeconfig = Join-Path $TestDrive 'proto-sa.kubeconfig'
    New-K8sSaKubeconfig -ServiceAccount proto-sa -Path $saKubeconfig | Out-Null

    function Invoke-Kubectl {
        # kubectl with its own HOME, so no discovery cache or config of the user's is read or written.
        param([string] $Path, [string[]] $Arguments)
        $kubectlHome = Join-Path $TestDrive ('home-' + [guid]::NewGuid())
        $saved = $env:HOME
        try {
            $env:HOME = $kubectlHome
            $output = & $Path @Arguments 2>&1 | Out-String
        }
        finally {
            $env:HOME = $saved
        }
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output }
    }
}

AfterAll {
    Remove-K8sServiceAccount -Name proto-sa -Force -ErrorAction Ignore
    Disconnect-K8sCluster
    Stop-LocalApiServer -Server $script:server
    Remove-Module K8sServiceAccount -ErrorAction Ignore
}

Describe 'kubectl <Version> with the kubeconfig of New-K8sSaKubeconfig' -ForEach $kubectlVersions {
    It 'auth whoami answers the ServiceAccount (a protobuf SelfSubjectReview)' -Skip:(-not $inCi -and -not (Test-Path $Path)) {
        Test-Path $Path | Should -BeTrue -Because "kubectl $Version is required at $Path in CI"
        $result = Invoke-Kubectl -Path $Path -Arguments 'auth', 'whoami', '--kubeconfig', $saKubeconfig
        $result.ExitCode | Should -Be 0 -Because $result.Output
        $result.Output | Should -Match 'Username\s+system:serviceaccount:default:proto-sa'
    }

    It 'auth can-i answers for the ServiceAccount (a protobuf SelfSubjectAccessReview)' -Skip:(-not $inCi -and -not (Test-Path $Path)) {
        Test-Path $Path | Should -BeTrue -Because "kubectl $Version is required at $Path in CI"
        $result = Invoke-Kubectl -Path $Path -Arguments 'auth', 'can-i', 'create', 'selfsubjectreviews.authentication.k8s.io', '--kubeconfig', $saKubeconfig
        $result.Output | Should -Match '(?m)^yes\s*$' -Because $result.Output
    }
}

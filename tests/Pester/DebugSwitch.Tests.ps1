#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    -Debug in a runbook. PowerShell gives a compiled cmdlet run with -Debug (and without -Verbose) a VerbosePreference of
    Inquire: each WriteVerbose asks "Continue?", and in a host without a user (pwsh -NonInteractive, CI, Azure Automation)
    the question fails the command ("PowerShell is in NonInteractive mode"). The module's cmdlets write what would have
    been a verbose line to the debug stream under -Debug, so -Debug shows everything and never asks. Checked in a
    non-interactive child pwsh, as a runbook runs.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:server = Start-LocalApiServer -Directory $TestDrive
    $script:modulePath = Get-StagedModulePath
}

AfterAll {
    Stop-LocalApiServer -Server $server
}

Describe '-Debug in a non-interactive host' {
    It '<Command> -Debug neither asks nor fails, and shows the lines -Verbose would' -ForEach @(
        @{ Command = 'Connect-K8sCluster'; Line = 'Connect-K8sCluster -Kubeconfig $kubeconfig -Namespace default -Debug'; Expect = 'Connected' }
        @{ Command = 'Get-K8sServiceAccount'; Line = 'Get-K8sServiceAccount default -Kubeconfig $kubeconfig -Namespace default -Debug'; Expect = 'GET https://' }
        @{ Command = 'Test-K8sPermission'; Line = 'Test-K8sPermission get pods -Kubeconfig $kubeconfig -Debug'; Expect = 'Connection:' }
        @{ Command = 'New-K8sServiceAccount'; Line = 'New-K8sServiceAccount dbg-new -Kubeconfig $kubeconfig -Namespace default -Debug'; Expect = 'POST https://' }
        @{ Command = 'Test-K8sPermission -Policy'; Line = 'Test-K8sPermission get pods -ServiceAccount default/x -Policy $policy -Debug'; Expect = 'policy' }
        @{ Command = 'Get-K8sContext'; Line = 'Get-K8sContext -Kubeconfig $kubeconfig -Debug'; Expect = 'Kubeconfig files:' }
        @{ Command = 'Remove-K8sServiceAccount -Force'; Line = '$null = New-K8sServiceAccount dbg-sa -Kubeconfig $kubeconfig -Namespace default; Remove-K8sServiceAccount dbg-sa -Force -Kubeconfig $kubeconfig -Namespace default -Debug'; Expect = 'Performing the operation' }
    ) {
        $script = Join-Path $TestDrive 'debug.ps1'
        Set-Content -LiteralPath $script -Value @"
`$ErrorActionPreference = 'Stop'
`$kubeconfig = '$($server.Kubeconfig)'
`$policy = Join-Path '$TestDrive' 'policy.yaml'
Set-Content -LiteralPath `$policy -Value 'apiVersion: rbac.authorization.k8s.io/v1','kind: ClusterRole','metadata: { name: r }','rules: []'
Import-Module '$modulePath'
try {
    $Line 5>&1 | ForEach-Object { if (`$_ -is [System.Management.Automation.DebugRecord]) { 'DEBUG ' + `$_.Message } }
    'OK'
}
catch { 'FAILED ' + `$_.Exception.Message }
"@
        $out = @(Invoke-ChildPwsh -File $script)
        ($out | Where-Object { $_ -like 'FAILED*' }) | Should -BeNullOrEmpty -Because ($out -join "`n")
        $out[-1] | Should -Be 'OK'
        ($out | Where-Object { $_ -like "DEBUG *$Expect*" }) | Should -Not -BeNullOrEmpty -Because "the verbose line is shown as debug output: $($out -join "`n")"
    }

    It 'writes verbose lines as verbose when -Verbose is given as well' {
        $script = Join-Path $TestDrive 'both.ps1'
        Set-Content -LiteralPath $script -Value @"
`$ErrorActionPreference = 'Stop'
Import-Module '$modulePath'
`$records = Get-K8sContext -Kubeconfig '$($server.Kubeconfig)' -Verbose -Debug 4>&1 | Where-Object { `$_ -is [System.Management.Automation.VerboseRecord] }
`$records.Count
"@
        $out = @(Invoke-ChildPwsh -File $script)
        [int]$out[-1] | Should -BeGreaterThan 0 -Because ($out -join "`n")
    }
}

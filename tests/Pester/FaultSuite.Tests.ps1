#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Issue 11's fault run, CI subset: scripts/Invoke-FaultSuite.ps1 with 150 mixed operations (create ServiceAccount,
    grant, token, check, revoke, delete) through the staged module against a local API server injecting 20% 500s,
    10% 429s with Retry-After and 5% dropped connections (half of them after the write was applied), seed 11. The run
    is a child pwsh of its own (it starts its own server); this file checks what it reports.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:resultFile = Join-Path $TestDrive 'fault-run.json'
    $suite = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../../scripts/Invoke-FaultSuite.ps1'))
    $output = Invoke-ChildPwsh -File $suite -Operations 150 -Seed 11 -Workers 4 -ResultPath $script:resultFile 2>&1
    if (-not (Test-Path -LiteralPath $script:resultFile)) { throw "The fault run wrote no result: $($output -join [Environment]::NewLine)" }
    $script:run = Get-Content -Raw -LiteralPath $script:resultFile | ConvertFrom-Json
    # Shown in the test output, so a CI log has the figures.
    Write-Host ("Fault run: {0} operations, {1} successes, failures {2}, {3} explained by a message, {4:0.0} s wall" -f
        $run.Operations, $run.Successes, (($run.FailuresById.PSObject.Properties | ForEach-Object { "$($_.Name) $($_.Value)" }) -join ', '),
        $run.ExplainedByMessage, $run.WallSeconds)
}

Describe 'Mixed operations under injected faults (issue 11)' {
    It 'ran every operation, and the faults made some fail' {
        $run.Operations | Should -Be 150
        $run.Successes | Should -BeGreaterThan 0
        $run.Failures | Should -BeGreaterThan 0
    }

    It 'leaves the server exactly as the successful operations and the messages say' {
        $run.MismatchList | ForEach-Object { "$($_.Object): model '$($_.Model)', server '$($_.Server)'" } | Should -BeNullOrEmpty
        $run.Mismatches | Should -Be 0
    }

    It 'leaves no orphan without a message saying so' {
        $run.OrphanList | ForEach-Object { "$($_.Index) $($_.Op) $($_.Target) $($_.ErrorId): $($_.Judgement)" } | Should -BeNullOrEmpty
        $run.OrphansWithoutMessage | Should -Be 0
    }

    It 'ends every failure in a typed error' {
        $run.UntypedList | ForEach-Object { "$($_.Op) $($_.ErrorId) $($_.Category): $($_.Message)" } | Should -BeNullOrEmpty
        $run.UntypedErrors | Should -Be 0
    }

    It 'answers every check as the model says' {
        $run.WrongCheckList | ForEach-Object { "$($_.Index) $($_.Target): $($_.Judgement)" } | Should -BeNullOrEmpty
        $run.WrongChecks | Should -Be 0
    }
}

#Requires -Version 7.4
<#
.SYNOPSIS
    Runs the generated hostile-input suite (issue 11) against the staged module (build first) and prints the figures
    for RELIABILITY.md. Without -Full it runs the CI subset that tests/Pester/Fuzz.Tests.ps1 runs.
.EXAMPLE
    dotnet pwsh -File scripts/Invoke-HostileSuite.ps1 -Full
#>
[CmdletBinding()]
param(
    # 1,000 kubeconfigs, 1,000 tokens, 500 policy files and every HTTP case, including the slow-forever and never-answers
    # ones that only the request timeout ends.
    [switch] $Full,
    [int] $Seed = 11,
    # Where the per-input results go (JSON), for a closer look at a failure.
    [string] $ResultPath
)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot '../tests/Pester/HostileSuite.ps1')
$work = Join-Path ([System.IO.Path]::GetTempPath()) ("k8s-hostile-suite-" + [guid]::NewGuid().ToString('N'))
$counts = if ($Full) { @{ Kubeconfigs = 1000; Tokens = 1000; Policies = 500; FullHttp = $true } } else { @{ Kubeconfigs = 150; Tokens = 150; Policies = 100 } }
$watch = [System.Diagnostics.Stopwatch]::StartNew()
try { $results = @(Invoke-HostileSuite -Seed $Seed -Directory $work @counts) }
finally { Remove-Item -Recurse -Force -LiteralPath $work -ErrorAction Ignore }
if ($ResultPath) { $results | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $ResultPath }
Get-HostileSummary $results | Format-List
"Seed $Seed, $($results.Count) inputs in $([int]$watch.Elapsed.TotalSeconds) s; $(Get-Date -AsUTC -Format 'yyyy-MM-dd HH:mm') UTC; load average $((Get-Content -ErrorAction Ignore /proc/loadavg) -join ' ')"
$failed = @($results | Where-Object Verdict)
$failed | ForEach-Object { "FAIL $($_.Name): $($_.Verdict)`n     $($_.Case)" }
if ($failed) { exit 1 }

#Requires -Version 7.4
<#
.SYNOPSIS
    Runs Pester files with everything they produce captured, then searches it all for every known secret.
.DESCRIPTION
    Issue 11, "Secrets": no token, client key or password may appear in anything the module prints, logs, formats or
    writes. This script stages a capture copy of the module (a proxy per cmdlet that records each output object's
    ToString() and Format-List * -Force), then runs tests/Pester/Invoke-PesterSuite.ps1 -CaptureDirectory in a child
    pwsh with Verbose and Debug on, a transcript, its standard output and error in files, $Error dumped after each test
    file, every TestDrive file copied before Pester deletes it, each child pwsh's output, and TMPDIR inside the
    capture. The local API servers record every token and client key they issue (--secrets-log); with the kubeconfig
    fixtures' credentials and those of every kubeconfig, token file and exec plugin the run wrote, these are the known
    secrets. Each is searched in every captured file (raw, base64, base64url, a JWT's signature, 16-character prefixes,
    a key's private scalar); see tests/Pester/SecretsScan.ps1.
    Prints the counts and every hit as file, offset, secret index, kind, form and a SHA-256 prefix, never a secret.
    Exits 1 when a secret is found (or the run produced no capture or no test summary), 0 otherwise; test failures are reported, and
    counted in the exit code only with -FailOnTestFailure.
.PARAMETER Path
    Pester files or folders to run (default: the whole suite, tests/Pester).
.PARAMETER CaptureDirectory
    Where the capture and report.json go (default: out/secrets). Emptied first.
.PARAMETER NoRun
    Only scan an existing capture.
.PARAMETER FailOnTestFailure
    Exit non-zero also when a Pester test failed in the captured run.
.EXAMPLE
    dotnet pwsh -NoProfile -File scripts/Invoke-SecretsScan.ps1
.EXAMPLE
    dotnet pwsh -NoProfile -File scripts/Invoke-SecretsScan.ps1 -Path tests/Pester/Hostile.Tests.ps1, tests/Pester/Cmdlets.Token.Tests.ps1
#>
[CmdletBinding()]
param(
    [string[]] $Path,
    [string] $CaptureDirectory,
    [switch] $NoRun,
    [switch] $FailOnTestFailure
)
$ErrorActionPreference = 'Stop'
$repoRoot = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '..'))
$pesterFolder = Join-Path $repoRoot 'tests/Pester'
. (Join-Path $pesterFolder 'TestServer.ps1')
. (Join-Path $pesterFolder 'SecretsScan.ps1')
# `pwsh -File` passes "a,b" as one string: a comma separates paths.
$Path = @($Path | ForEach-Object { $_ -split ',' } | Where-Object { $_ })
if (-not $Path) { $Path = @($pesterFolder) }
if (-not $CaptureDirectory) { $CaptureDirectory = Join-Path $repoRoot 'out/secrets' }
$CaptureDirectory = [System.IO.Path]::GetFullPath($CaptureDirectory)
$fixtures = Join-Path $repoRoot 'tests/K8sServiceAccount.Client.Tests/Fixtures/Kubeconfig'
$started = [System.Diagnostics.Stopwatch]::StartNew()
$load = (Get-Content -Raw -LiteralPath /proc/loadavg -ErrorAction Ignore)

$testSummary = $null
$runnerExit = $null
if (-not $NoRun) {
    if (Test-Path -LiteralPath $CaptureDirectory) { Remove-Item -LiteralPath $CaptureDirectory -Recurse -Force }
    $null = New-Item -ItemType Directory -Force -Path (Join-Path $CaptureDirectory 'tmp')
    # Marks the folder as a capture, so that an outer scan (when this script runs inside a scanned test) leaves it out.
    Set-Content -LiteralPath (Join-Path $CaptureDirectory '.secrets-capture') -Value 'secrets scan capture'
    $staged = [System.IO.Path]::GetFullPath((Join-Path $repoRoot 'out/K8sServiceAccount/K8sServiceAccount.psd1'))
    if (-not (Test-Path -LiteralPath $staged)) { throw "The module is not staged at $staged. Build the solution first." }
    $null = New-SecretsCaptureModule -StagedManifest $staged -Destination (Join-Path $CaptureDirectory 'module')

    $saved = @{ TMPDIR = $env:TMPDIR; K8SSA_SECRETS_CAPTURE = $env:K8SSA_SECRETS_CAPTURE }
    try {
        $env:TMPDIR = Join-Path $CaptureDirectory 'tmp'
        $env:K8SSA_SECRETS_CAPTURE = $CaptureDirectory
        $runner = Join-Path $pesterFolder 'Invoke-PesterSuite.ps1'
        $process = [Environment]::ProcessPath
        [string[]] $prefix = if ([System.IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' } else { @() }
        & $process @prefix -NoProfile -NonInteractive -File $runner -Path ($Path -join ',') -Output Detailed `
            -ResultDirectory (Join-Path $CaptureDirectory 'pester') -CaptureDirectory $CaptureDirectory `
            1> (Join-Path $CaptureDirectory 'runner.stdout') 2> (Join-Path $CaptureDirectory 'runner.stderr')
        $runnerExit = $LASTEXITCODE
    }
    finally {
        $env:TMPDIR = $saved.TMPDIR
        $env:K8SSA_SECRETS_CAPTURE = $saved.K8SSA_SECRETS_CAPTURE
    }
    $summaryFile = Join-Path $CaptureDirectory 'pester/summary.txt'
    $testSummary = if (Test-Path -LiteralPath $summaryFile) { (Get-Content -Raw -LiteralPath $summaryFile).Trim() } else { 'no summary (the runner failed)' }
}
$runSeconds = $started.Elapsed.TotalSeconds

$report = Invoke-SecretsScanOfCapture -CaptureDirectory $CaptureDirectory -FixtureDirectory $fixtures
$report | Add-Member -NotePropertyMembers ([ordered]@{
        Tests         = $testSummary
        RunnerExit    = $runnerExit
        RunSeconds    = [math]::Round($runSeconds, 1)
        ScanSeconds   = [math]::Round($started.Elapsed.TotalSeconds - $runSeconds, 1)
        LoadAverage   = "$load".Trim()
        Date          = (Get-Date).ToUniversalTime().ToString('yyyy-MM-dd HH:mm:ss') + ' UTC'
        Path          = @($Path | ForEach-Object { [System.IO.Path]::GetRelativePath($repoRoot, [System.IO.Path]::GetFullPath($_)) })
    })
$report | ConvertTo-Json -Depth 5 | Set-Content -LiteralPath (Join-Path $CaptureDirectory 'report.json')

"Secrets scan of $($report.Path -join ', ')"
"  tests: $($report.Tests); run $($report.RunSeconds) s, scan $($report.ScanSeconds) s; load average at start $($report.LoadAverage)"
"  secrets known: $($report.SecretsKnown) ($(($report.SecretsByKind.GetEnumerator() | ForEach-Object { "$($_.Key) $($_.Value)" }) -join ', ')); $($report.Needles) search forms"
"  scanned: $($report.FilesScanned) files, $($report.BytesScanned) bytes; objects recorded: $($report.ObjectsRecorded); error records: $($report.ErrorsRecorded)"
"  excluded: $($report.FilesExcluded) files ($(($report.Exclusions | ForEach-Object { "$($_.Reason): $($_.Files)" }) -join '; '))"
"  hits: $($report.Hits)"
if ($report.CaptureErrors) { "  CAPTURE FAILED: $($report.CaptureErrors) lines in $(Join-Path $CaptureDirectory 'hook-errors.txt')" }
foreach ($hit in $report.HitList) {
    "  HIT: $($hit.File) at byte $($hit.Offset): secret #$($hit.Secret) ($($hit.Kind) from $($hit.SecretSource), sha256 $($hit.Fingerprint)...) as $($hit.Form)"
}
"  report: $(Join-Path $CaptureDirectory 'report.json')"

$failed = $report.Hits -gt 0 -or (-not $NoRun -and $testSummary -notmatch '^\d+ passed') -or $report.FilesScanned -eq 0 -or $report.CaptureErrors -gt 0 -or ($FailOnTestFailure -and $runnerExit -ne 0)
exit ([int]$failed)

#Requires -Version 7.4
<#
.SYNOPSIS
    Runs the Pester suite against the staged module with the Pester that the build restored from NuGet.
.DESCRIPTION
    The one way the suite runs: build.ps1 -Task Pester and the xunit test in tests/K8sServiceAccount.Pester.Tests
    (which `dotnet test` runs) both call this script in a fresh pwsh. It puts out/modules (where the build stages
    the Pester package's module) first on PSModulePath, imports exactly that Pester, runs every *.Tests.ps1 here,
    writes the NUnit report and a one-line summary ("N passed, N failed, N skipped") to -ResultDirectory, and exits
    with the number of failed tests and blocks (0 when all passed). A missing staged module or Pester is an error,
    never a skip.
.PARAMETER Path
    Test files or folders to run (default: this folder).
.PARAMETER ResultDirectory
    Where results.xml and summary.txt go (default: out/pester).
.PARAMETER Output
    Pester's console verbosity.
.PARAMETER CaptureDirectory
    Secrets scan mode (scripts/Invoke-SecretsScan.ps1 calls it so; see tests/Pester/SecretsScan.ps1): Verbose and
    Debug on, a transcript, every cmdlet output object, $Error and every TestDrive file saved in this directory.
#>
[CmdletBinding()]
param(
    [string[]] $Path = $PSScriptRoot,
    [string] $ResultDirectory = (Join-Path $PSScriptRoot '../../out/pester'),
    [ValidateSet('None', 'Normal', 'Detailed', 'Diagnostic')]
    [string] $Output = 'Detailed',
    [string] $CaptureDirectory
)
$ErrorActionPreference = 'Stop'
# `pwsh -File` passes "a,b" as one string: a comma separates paths.
$Path = @($Path | ForEach-Object { $_ -split ',' } | Where-Object { $_ })
$repoRoot = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../..'))
$modules = Join-Path $repoRoot 'out/modules'
$pesterManifest = Join-Path $modules 'Pester/Pester.psd1'
if (-not (Test-Path -LiteralPath $pesterManifest)) {
    throw "Pester is not staged at $pesterManifest. Build the solution first (dotnet build K8sServiceAccount.sln): tests/K8sServiceAccount.Pester.Tests restores Pester from NuGet and stages it there."
}
$staged = Join-Path $repoRoot 'out/K8sServiceAccount/K8sServiceAccount.psd1'
if (-not (Test-Path -LiteralPath $staged)) { throw "The module is not staged at $staged. Build the solution first." }

# The staged Pester first, for this process and the ones the tests start.
$env:PSModulePath = $modules + [System.IO.Path]::PathSeparator + $env:PSModulePath
Import-Module $pesterManifest -Force
$pester = Get-Module Pester
if ($pester.Version -lt [version]'5.7.1' -or $pester.Version.Major -ne 5) { throw "Pester 5.7.1 expected, got $($pester.Version)" }

# Tests compare and report text: no ANSI escapes in it (they also make the NUnit report's XML invalid).
$PSStyle.OutputRendering = 'PlainText'
$env:NO_COLOR = '1'

New-Item -ItemType Directory -Force -Path $ResultDirectory | Out-Null
$ResultDirectory = (Resolve-Path -LiteralPath $ResultDirectory).ProviderPath
$summaryFile = Join-Path $ResultDirectory 'summary.txt'
Remove-Item -LiteralPath $summaryFile -ErrorAction Ignore

if ($CaptureDirectory) {
    $CaptureDirectory = [System.IO.Path]::GetFullPath($CaptureDirectory)
    $env:K8SSA_SECRETS_CAPTURE = $CaptureDirectory
    . (Join-Path $PSScriptRoot 'SecretsScan.ps1')
    Enable-SecretsCapture -Pester $pester
    $null = Start-Transcript -LiteralPath (Join-Path $CaptureDirectory 'transcript.txt') -IncludeInvocationHeader
}

$configuration = New-PesterConfiguration
$configuration.Run.Path = $Path
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = $Output
$configuration.TestResult.Enabled = $true
$configuration.TestResult.OutputFormat = 'NUnitXml'
$configuration.TestResult.OutputPath = Join-Path $ResultDirectory 'results.xml'
$result = Invoke-Pester -Configuration $configuration
if ($CaptureDirectory) {
    Save-SecretsCaptureError -Label 'end'
    $null = Stop-Transcript
}

# A file that does not run (it does not parse, or its top-level BeforeAll throws) yields no test results: count each
# such file as a failed test, so that the summary never reads better than the run. A failed block's tests are
# already counted as failed by Pester; the block still fails the run.
$failed = $result.FailedCount + $result.FailedContainersCount
$summary = '{0} passed, {1} failed, {2} skipped' -f $result.PassedCount, $failed, ($result.SkippedCount + $result.NotRunCount)
Set-Content -LiteralPath $summaryFile -Value $summary
"Pester $($pester.Version): $summary"
foreach ($test in $result.Failed) { "FAILED: $($test.ExpandedPath)" }
foreach ($block in $result.FailedBlocks) { "FAILED BLOCK: $($block.ExpandedPath)" }
foreach ($container in $result.FailedContainers) { "FAILED FILE: $($container.Item)" }
exit ($failed + $result.FailedBlocksCount)

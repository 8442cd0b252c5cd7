#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, stages, tests and packages the K8sServiceAccount module.
.DESCRIPTION
    A thin wrapper over the dotnet commands that CI and the README use, so there is one way to build.
    Build: dotnet build -c Release, which stages out/K8sServiceAccount/.
    Test: dotnet test on the solution.
    Pester: imports the staged module and runs tests/Pester (needs Pester 5).
.PARAMETER Task
    The step to run.
.PARAMETER Configuration
    Debug or Release.
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Pester')]
    [string] $Task = 'Build',
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)
$ErrorActionPreference = 'Stop'
Set-Location -LiteralPath $PSScriptRoot
$solution = Join-Path $PSScriptRoot 'K8sServiceAccount.sln'
$staged = Join-Path $PSScriptRoot 'out/K8sServiceAccount'

function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

function Assert-Staged {
    foreach ($file in 'K8sServiceAccount.psd1', 'K8sServiceAccount.dll', 'Dependencies/K8sServiceAccount.Client.dll', 'Dependencies/YamlDotNet.dll') {
        $path = Join-Path $staged $file
        if (-not (Test-Path -LiteralPath $path)) { throw "Build did not stage $path" }
    }
}

switch ($Task) {
    'Build' {
        Invoke-Dotnet build $solution -c $Configuration
        Assert-Staged
        Write-Host "Staged module: $staged"
    }
    'Test' {
        Invoke-Dotnet test $solution -c $Configuration
    }
    'Pester' {
        Invoke-Dotnet build $solution -c $Configuration
        Assert-Staged
        if (-not (Get-Module -ListAvailable Pester | Where-Object Version -ge '5.0.0')) {
            throw 'Pester 5 is required: Install-Module Pester -MinimumVersion 5.0.0 -Scope CurrentUser'
        }
        $result = Invoke-Pester -Path (Join-Path $PSScriptRoot 'tests/Pester') -PassThru -Output Detailed
        if ($result.FailedCount -gt 0) { throw "$($result.FailedCount) Pester test(s) failed" }
    }
}

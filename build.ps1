#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, stages, tests and packages the K8sServiceAccount module.
.DESCRIPTION
    A thin wrapper over the dotnet commands that CI and the README use, so there is one way to build.
    Build: dotnet build -c Release, which stages out/K8sServiceAccount/.
    Test: dotnet test on the solution.
    Pester: runs tests/Pester/Invoke-PesterSuite.ps1 in a child pwsh, with the Pester 5.7.1 that the build restores
    from NuGet and stages at out/modules/Pester, so this session never loads the module's assemblies and a rebuild
    never meets a locked file.
    Demo: builds and runs scripts/Demo.ps1 in a child pwsh: the main story against the local API server, no cluster
    needed (tests/Pester/Demo.Tests.ps1 runs it on every test run).
    Package: builds and packs the staged module into out/packages/K8sServiceAccount.<version>.nupkg with
    Compress-PSResource (Microsoft.PowerShell.PSResourceGet 1.1 or later; pwsh 7.6 ships 1.2): the folder as staged,
    so no .pdb and no XML doc file; tests/Pester/Package.Tests.ps1 installs and uses it.
.PARAMETER Task
    The step to run.
.PARAMETER Configuration
    Debug or Release.
.PARAMETER NoBuild
    Package, Pester, Demo: use the module as last staged instead of building first.
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Pester', 'Demo', 'Package')]
    [string] $Task = 'Build',
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',
    [switch] $NoBuild
)
$ErrorActionPreference = 'Stop'
Set-Location -LiteralPath $PSScriptRoot
$solution = Join-Path $PSScriptRoot 'K8sServiceAccount.sln'
$staged = Join-Path $PSScriptRoot 'out/K8sServiceAccount'

function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

# Invoke-ChildPwsh: the pwsh running this script, in a new process (shared with the Pester files and the demo).
. (Join-Path $PSScriptRoot 'tests/Pester/TestServer.ps1')

function Build-Module {
    if (-not $NoBuild) { Invoke-Dotnet build $solution -c $Configuration }
    Assert-Staged
}

function Assert-Staged {
    $expected = 'K8sServiceAccount.psd1', 'K8sServiceAccount.dll', 'K8sServiceAccount.Format.ps1xml',
        'en-US/K8sServiceAccount.dll-Help.xml', 'en-US/about_K8sServiceAccount.help.txt',
        'Dependencies/K8sServiceAccount.Client.dll', 'Dependencies/YamlDotNet.dll'
    foreach ($file in $expected) {
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
        Build-Module
        Invoke-ChildPwsh -File (Join-Path $PSScriptRoot 'tests/Pester/Invoke-PesterSuite.ps1')
        if ($LASTEXITCODE -ne 0) { throw "Pester: $LASTEXITCODE test(s) or block(s) failed" }
    }
    'Demo' {
        Build-Module
        $demo = Join-Path $PSScriptRoot 'scripts/Demo.ps1'
        Invoke-ChildPwsh -File $demo -Configuration $Configuration
        if ($LASTEXITCODE -ne 0) { throw "The demo failed with exit code $LASTEXITCODE" }
    }
    'Package' {
        Build-Module
        if (-not (Get-Command Compress-PSResource -ErrorAction Ignore)) {
            throw 'Package needs Microsoft.PowerShell.PSResourceGet 1.1 or later (Compress-PSResource).'
        }
        $packages = Join-Path $PSScriptRoot 'out/packages'
        New-Item -ItemType Directory -Force -Path $packages | Out-Null
        $version = (Import-PowerShellDataFile -LiteralPath (Join-Path $staged 'K8sServiceAccount.psd1')).ModuleVersion
        $package = Join-Path $packages "K8sServiceAccount.$version.nupkg"
        Remove-Item -LiteralPath $package -ErrorAction Ignore
        Compress-PSResource -Path $staged -DestinationPath $packages
        if (-not (Test-Path -LiteralPath $package)) { throw "Compress-PSResource did not write $package" }
        Write-Host "Package: $package"
    }
}

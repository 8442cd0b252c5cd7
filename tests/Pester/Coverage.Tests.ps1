#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    The suite's own coverage: every cmdlet the staged module exports is invoked by at least one *.Tests.ps1 file here.
    "Invoked" means a command element with that name anywhere in a file's syntax tree, including inside script blocks
    ({ ... } | Should -Throw, ForEach-Object, It bodies), found with PowerShell's own parser: a name that only appears in
    a string or a comment does not count. A new cmdlet therefore fails this file until a scenario calls it.
#>

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    # What a user gets from the staged module; removed again, so that each test file imports it afresh.
    Import-Module (Get-StagedModulePath) -Force -ErrorAction Stop
    $exported = (Get-Command -Module K8sServiceAccount).Name
    Remove-Module K8sServiceAccount
    if (-not $exported) { throw 'The staged module exports no command.' }
    $cmdlets = @($exported | Sort-Object)
}

BeforeAll {
    # The command names the test files invoke (command names are case-insensitive).
    $script:invoked = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::OrdinalIgnoreCase)
    $script:parseErrors = [System.Collections.Generic.List[string]]::new()
    foreach ($file in Get-ChildItem -LiteralPath $PSScriptRoot -Filter '*.Tests.ps1' -Recurse) {
        $tokens = $null
        $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseFile($file.FullName, [ref] $tokens, [ref] $errors)
        foreach ($problem in $errors) { $parseErrors.Add("$($file.Name):$($problem.Extent.StartLineNumber): $($problem.Message)") }
        # $true: into nested script blocks too.
        foreach ($command in $ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.CommandAst] }, $true)) {
            if ($name = $command.GetCommandName()) { $null = $invoked.Add($name) }
        }
    }
}

Describe 'Coverage of the exported cmdlets' {
    It 'parses every test file' {
        $parseErrors | Should -BeNullOrEmpty
    }

    It '<_> is invoked by a test file' -ForEach $cmdlets {
        $invoked.Contains($_) | Should -BeTrue -Because "no *.Tests.ps1 file in tests/Pester invokes $_; add a scenario that runs it through the staged module"
    }
}

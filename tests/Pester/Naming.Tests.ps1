#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Issue 9, defects 4 and 9, against the local API server (TestServer.ps1):
    - One name per concept: -ApiGroup is an API group (Test-K8sPermission, Get-K8sPermissionSubject,
      Grant/Revoke-K8sPermission, New-K8sPolicyRule, and the ApiGroup property of results and piped rows); -Group is a
      subject's group (string[]) as kubectl create rolebinding --group takes it. An old script's -Group meaning an API
      group fails loudly instead of silently checking or granting something else.
    - Remove-* and Revoke-K8sPermission confirm (ConfirmImpact High) and take -Force to skip it, as Az does; in a
      non-interactive session a prompt that cannot be shown is an error naming -Force, never a silent no-op.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-Module (Get-StagedModulePath) -Force -ErrorAction Stop
    $script:server = Start-LocalApiServer -Directory $TestDrive
    $script:kubeconfig = $server.Kubeconfig
    $script:ns = 'default'
    Connect-K8sCluster -Kubeconfig $script:kubeconfig -Namespace $script:ns

    # A child pwsh with -NonInteractive, as a runbook or CI step runs: the same pwsh as this one, the staged module.
    function Invoke-NonInteractive([string] $Script) {
        $file = Join-Path $TestDrive ('child-{0}.ps1' -f [guid]::NewGuid())
        $prelude = "Import-Module '$(Get-StagedModulePath)' -ErrorAction Stop`nConnect-K8sCluster -Kubeconfig '$($script:kubeconfig)' -Namespace $($script:ns)`n"
        Set-Content -LiteralPath $file -Value ($prelude + $Script)
        $exe = (Get-Process -Id $PID).Path
        $arguments = @('-NoProfile', '-NonInteractive', '-File', $file)
        if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $arguments = @(Join-Path $PSHOME 'pwsh.dll') + $arguments }
        $output = & $exe @arguments 2>&1
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output | Out-String) }
    }
}

AfterAll {
    Disconnect-K8sCluster
    Stop-LocalApiServer -Server $script:server
    Remove-Module K8sServiceAccount -ErrorAction Ignore
}

Describe 'One name per concept: -ApiGroup is an API group, -Group a subject''s group' {
    BeforeAll {
        $script:sa = "$($script:ns)/naming-sa"
        $null = New-K8sServiceAccount -Name naming-sa
        $null = Grant-K8sPermission -ServiceAccount $script:sa -Verb get, update -Resource deployments, deployments/scale -ApiGroup apps, extensions -WarningAction SilentlyContinue
    }

    It 'has no -UserGroup anywhere, and every -Group is a string[] of subject groups' {
        $commands = Get-Command -Module K8sServiceAccount
        $commands.Where({ $_.Parameters.ContainsKey('UserGroup') }).Name | Should -BeNullOrEmpty
        $withGroup = $commands.Where({ $_.Parameters.ContainsKey('Group') })
        $withGroup.Name | Sort-Object | Should -Be @(
            'Get-K8sPermission', 'Get-K8sRiskyPermission', 'Grant-K8sPermission', 'New-K8sClusterRoleBinding', 'New-K8sRoleBinding', 'Revoke-K8sPermission', 'Test-K8sPermission')
        foreach ($command in $withGroup) { $command.Parameters['Group'].ParameterType | Should -Be ([string[]]) -Because $command.Name }
        $commands.Where({ $_.Parameters.ContainsKey('ApiGroup') }).Name | Sort-Object | Should -Be @(
            'Get-K8sPermissionSubject', 'Grant-K8sPermission', 'New-K8sPolicyRule', 'Revoke-K8sPermission', 'Test-K8sPermission')
    }

    It 'checks the API group given as -ApiGroup, and writes it as the result''s ApiGroup' {
        $allowed = Test-K8sPermission -Verb update -Resource deployments/scale -ApiGroup apps -ServiceAccount $script:sa
        $allowed.Allowed | Should -BeTrue
        $allowed.ApiGroup | Should -Be 'apps'
        $allowed.PSObject.Properties.Name | Should -Not -Contain 'Group'
        ($allowed | Format-Table | Out-String -Width 120) | Should -Match 'update\s+apps\s+deployments\s+scale'
        # The core group ("" or core) is not apps: deployments are not in it.
        Test-K8sPermission get deployments -ApiGroup core -ServiceAccount $script:sa -Quiet -WarningAction SilentlyContinue | Should -BeFalse
    }

    It 'refuses -Group without -User: an old script''s API group is not silently taken as a subject''s group' {
        $results = Test-K8sPermission delete pods -Group devs -ErrorVariable failures -ErrorAction SilentlyContinue
        $results | Should -BeNullOrEmpty
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'InvalidGroup,K8sServiceAccount.Commands.TestK8sPermissionCommand'
        $failures[0].Exception.Message | Should -BeLike '*-Group*-User*'
        $failures[0].Exception.Message | Should -BeLike '*-ApiGroup*'
    }

    It 'checks a user with several groups given as -Group (kubectl --as --as-group)' {
        $null = New-K8sRoleBinding -Name naming-ops-view -ClusterRole view -Group ops
        $answer = Test-K8sPermission list pods -User alice -Group devs, ops
        $answer.Allowed | Should -BeTrue
        $answer.Subject | Should -BeLike '*alice*'
        Test-K8sPermission list pods -User alice -Group devs -Quiet | Should -BeFalse
        (Get-K8sPermission -User alice -Group devs, ops).Where({ $_.BindingName -eq 'naming-ops-view' }) | Should -Not -BeNullOrEmpty
        Remove-K8sRoleBinding naming-ops-view -Force
    }

    It 'binds a result''s ApiGroup when piped back, and an Import-Csv ApiGroup column' {
        $first = Test-K8sPermission get deployments -ApiGroup extensions -ServiceAccount $script:sa -WarningAction SilentlyContinue
        $first.ApiGroup | Should -Be 'extensions'
        # Piped back (checks yourself, the admin): the API group travels with the row.
        ($first | Test-K8sPermission -WarningAction SilentlyContinue).ApiGroup | Should -Be 'extensions'

        $csv = Join-Path $TestDrive 'checks.csv'
        Test-K8sPermission get deployments -ApiGroup extensions -ServiceAccount $script:sa -WarningAction SilentlyContinue |
            Select-Object @{ n = 'ServiceAccount'; e = { $script:sa } }, Namespace, Verb, Resource, ApiGroup |
            Export-Csv -LiteralPath $csv
        (Get-Content -LiteralPath $csv -TotalCount 1) | Should -BeLike '*"ApiGroup"*'
        $again = Import-Csv -LiteralPath $csv | Test-K8sPermission -WarningAction SilentlyContinue
        ($again.ApiGroup, $again.Allowed) | Should -Be @('extensions', $true)
    }

    It 'takes -ApiGroup in Get-K8sPermissionSubject and New-K8sPolicyRule' {
        $holders = Get-K8sPermissionSubject -Verb update -Resource deployments/scale -ApiGroup apps
        $holders.SubjectName | Should -Contain 'naming-sa'
        $rule = New-K8sPolicyRule -Verb get -Resource deployments -ApiGroup apps, extensions
        @($rule).Count | Should -Be 1
        $rule.ApiGroups | Should -Be @('apps', 'extensions')
    }

    It 'grants to several groups given as -Group, one grant each, and revokes them' {
        $granted = Grant-K8sPermission -Group devs, ops -Verb get -Resource pods
        $granted.Name | Should -Be @('k8ssa-grant:group:devs', 'k8ssa-grant:group:ops')
        Test-K8sPermission get pods -User carol -Group ops -Quiet | Should -BeTrue
        $revoked = Revoke-K8sPermission -Group devs, ops -Force
        $revoked.BindingAction | Should -Be @('Deleted', 'Deleted')
        Test-K8sPermission get pods -User carol -Group ops -Quiet | Should -BeFalse
    }

    It 'refuses an old Grant whose -Group meant API groups, naming -ApiGroup, and creates nothing' {
        $null = Grant-K8sPermission -ServiceAccount "$($script:ns)/other-sa" -Verb get -Resource deployments -Group apps -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -Be 'InvalidGroup,K8sServiceAccount.Commands.GrantK8sPermissionCommand'
        $failures[0].Exception.Message | Should -BeLike '*-ApiGroup*'
        $null = Grant-K8sPermission -User bob -Verb get -Resource deployments -Group apps -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -Be 'InvalidGroup,K8sServiceAccount.Commands.GrantK8sPermissionCommand'
        Get-K8sRoleBinding -Name 'k8ssa-grant:*' | Where-Object Name -NE "k8ssa-grant:$($script:ns):naming-sa" | Should -BeNullOrEmpty
    }

    It 'names -ApiGroup, never -Group, when the API group given is what is wrong' {
        $policy = Join-Path $TestDrive 'naming-policy.yaml'
        Set-Content -LiteralPath $policy -Value "apiVersion: rbac.authorization.k8s.io/v1`nkind: ClusterRole`nmetadata: {name: r}`nrules: []`n"
        $null = Test-K8sPermission get deployments.apps -ApiGroup extensions -ServiceAccount apps/web -Policy $policy -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -Be 'InvalidApiGroup,K8sServiceAccount.Commands.TestK8sPermissionCommand'
        $failures[0].CategoryInfo.TargetName | Should -Be 'ApiGroup'
        $failures[0].Exception.Message | Should -Be 'The resource "deployments.apps" names group "apps" but -ApiGroup is "extensions"; give the group once.'
        $null = New-K8sPolicyRule -Verb get -Resource deployments.apps -ApiGroup extensions -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].Exception.Message | Should -Be '-Resource "deployments.apps" names a group while -ApiGroup is given; give groups in one place'
        $null = [pscustomobject]@{ Verb = 'get'; NonResourceUrl = '/healthz'; ApiGroup = 'apps' } | Test-K8sPermission -ServiceAccount apps/web -Policy $policy -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -Be 'InvalidNonResourceUrl,K8sServiceAccount.Commands.TestK8sPermissionCommand'
        $failures[0].Exception.Message | Should -Be '-NonResourceUrl cannot be combined with -Resource, -ApiGroup, -Subresource or -Name.'
    }

    It 'says -ApiGroup and -Group in the help' {
        (Get-Help Test-K8sPermission -Parameter ApiGroup).description.Text | Should -BeLike '*API group*'
        (Get-Help Test-K8sPermission -Parameter Group).description.Text | Should -BeLike '*-User*'
        (Get-Help Grant-K8sPermission -Parameter Group).description.Text | Should -BeLike '*group*'
        (Get-Help Test-K8sPermission -Full | Out-String) | Should -Not -BeLike '*UserGroup*'
        # The properties the OUTPUTS section lists are the result's own.
        $listed = ((Get-Help Test-K8sPermission).returnValues.returnValue[0].description.Text -replace '^[^:]*:\s*' -replace ';.*$' -replace '\.$') -split ',\s*'
        $properties = [K8sServiceAccount.K8sPermissionCheckResult].GetProperties().Name
        $listed | Where-Object { $_ -notin $properties } | Should -BeNullOrEmpty
        (Get-Help about_K8sServiceAccount | Out-String) | Should -Not -BeLike '*UserGroup*'
    }

    It 'lists in -Action''s help exactly the keys -Action takes' {
        foreach ($command in 'Test-K8sPermission', 'Get-K8sPermissionSubject') {
            $null = @{ Verb = 'get'; Bogus = 1 } | & $command -Policy (Join-Path $TestDrive 'naming-policy.yaml') -ErrorVariable failures -ErrorAction SilentlyContinue
            # Should -Match sets no $Matches here: the -match operator does.
            $failures[0].Exception.Message -match 'the keys are (?<list>[^.]+)\.' | Should -BeTrue -Because $command
            $taken = $Matches.list -split ', ' | Sort-Object
            (Get-Help $command -Parameter Action).description.Text -match 'Its keys are the parameters a piped object binds by property name: (?<list>[^.]+)\.' | Should -BeTrue -Because $command
            $documented = $Matches.list -replace ' and ', ', ' -split ', ' | Sort-Object
            ($documented -join ', ') | Should -Be ($taken -join ', ') -Because "$command -Action's help"
        }
    }
}

Describe 'Remove and Revoke confirm, and -Force skips it' {
    It 'is ConfirmImpact High with a -Force switch on every Remove and Revoke command' {
        $names = 'Remove-K8sServiceAccount', 'Remove-K8sLegacySaToken', 'Remove-K8sRole', 'Remove-K8sClusterRole', 'Remove-K8sRoleBinding', 'Remove-K8sClusterRoleBinding', 'Revoke-K8sPermission'
        foreach ($name in $names) {
            $command = Get-Command $name
            $command.Parameters['Force'].SwitchParameter | Should -BeTrue -Because $name
            $attribute = $command.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]
            $attribute.ConfirmImpact | Should -Be 'High' -Because $name
            (Get-Help $name -Parameter Force).description.Text | Should -BeLike '*confirm*' -Because $name
        }
        # No other command confirms by default.
        $high = (Get-Command -Module K8sServiceAccount -CommandType Cmdlet).Where({
                $_.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact -eq 'High' })
        $high.Name | Sort-Object | Should -Be ($names | Sort-Object)
    }

    It 'deletes with -Force in a -NonInteractive session, and without it stops with an error naming -Force' {
        $null = New-K8sServiceAccount -Name naming-gone, naming-kept, naming-whatif
        $child = Invoke-NonInteractive @'
Remove-K8sServiceAccount naming-gone -Force
Remove-K8sServiceAccount naming-whatif -Force -WhatIf
try { Remove-K8sServiceAccount naming-kept; 'NOT STOPPED' } catch { 'ERROR ' + $_.FullyQualifiedErrorId; $_.Exception.Message }
'@
        $child.Output | Should -Not -BeLike '*NOT STOPPED*'
        $child.Output | Should -BeLike '*ERROR ConfirmationRequired,K8sServiceAccount.Commands.RemoveK8sServiceAccountCommand*'
        $child.Output | Should -BeLike '*-Force*'
        $child.Output | Should -BeLike '*What if: Performing the operation "Delete" on target "ServiceAccount default/naming-whatif"*'
        Get-K8sServiceAccount -Name naming-gone -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        (Get-K8sServiceAccount -Name naming-kept).Name | Should -Be 'naming-kept'
        (Get-K8sServiceAccount -Name naming-whatif).Name | Should -Be 'naming-whatif'
        Remove-K8sServiceAccount naming-kept, naming-whatif -Force
    }

    It 'removes RBAC objects and revokes with -Force in a -NonInteractive session; -WhatIf still only reports' {
        $null = New-K8sRole -Name naming-role -Rule (New-K8sPolicyRule -Verb get -Resource pods)
        $null = Grant-K8sPermission -User dave -Verb get -Resource pods
        $child = Invoke-NonInteractive @'
Remove-K8sRole naming-role -Force -WhatIf
'whatif-role ' + [bool](Get-K8sRole naming-role -ErrorAction SilentlyContinue)
Remove-K8sRole naming-role -Force
'removed-role ' + -not (Get-K8sRole naming-role -ErrorAction SilentlyContinue)
(Revoke-K8sPermission -User dave -Force).BindingAction
'@
        $child.Output | Should -BeLike '*whatif-role True*'
        $child.Output | Should -BeLike '*removed-role True*'
        $child.Output | Should -BeLike '*Deleted*'
        Get-K8sRoleBinding -Name 'k8ssa-grant:user:dave' -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'still asks with -Force -Confirm, and -Force does not override $WhatIfPreference' {
        $null = New-K8sServiceAccount -Name naming-pref
        $child = Invoke-NonInteractive @'
try { Remove-K8sServiceAccount naming-pref -Force -Confirm; 'NOT STOPPED' } catch { 'ERROR ' + $_.FullyQualifiedErrorId }
$WhatIfPreference = $true
Remove-K8sServiceAccount naming-pref -Force
'@
        $child.Output | Should -BeLike '*ERROR ConfirmationRequired*'
        $child.Output | Should -BeLike '*What if:*naming-pref*'
        (Get-K8sServiceAccount -Name naming-pref).Name | Should -Be 'naming-pref'
        Remove-K8sServiceAccount naming-pref -Force
    }

    It 'says in the about topic exactly which commands prompt' {
        $about = Get-Help about_K8sServiceAccount | Out-String
        $about | Should -Not -BeLike '*never prompts*'
        foreach ($name in 'Remove-K8sServiceAccount', 'Remove-K8sRole', 'Remove-K8sClusterRole', 'Remove-K8sRoleBinding', 'Remove-K8sClusterRoleBinding', 'Revoke-K8sPermission') {
            $about | Should -BeLike "*$name*" -Because 'the about topic names every command that prompts'
        }
        $about | Should -BeLike '*-Force*'
    }
}

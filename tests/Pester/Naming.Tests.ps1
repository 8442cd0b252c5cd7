#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Issue 9, defect 4, against the local API server (TestServer.ps1):
    - One name per concept: -ApiGroup is an API group (Test-K8sPermission, Get-K8sPermissionSubject,
      Grant/Revoke-K8sPermission, New-K8sPolicyRule, and the ApiGroup property of results and piped rows); -Group is a
      subject's group (string[]) as kubectl create rolebinding --group takes it. An old script's -Group meaning an API
      group fails loudly instead of silently checking or granting something else.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-Module (Get-StagedModulePath) -Force -ErrorAction Stop
    $script:server = Start-LocalApiServer -Directory $TestDrive
    $script:kubeconfig = $server.Kubeconfig
    $script:ns = 'default'
    Connect-K8sCluster -Kubeconfig $script:kubeconfig -Namespace $script:ns
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
            'Get-K8sPermission', 'Grant-K8sPermission', 'New-K8sClusterRoleBinding', 'New-K8sRoleBinding', 'Revoke-K8sPermission', 'Test-K8sPermission')
        foreach ($command in $withGroup) { $command.Parameters['Group'].ParameterType | Should -Be ([string[]]) -Because $command.Name }
        $commands.Where({ $_.Parameters.ContainsKey('ApiGroup') }).Name | Sort-Object | Should -Be @(
            'Get-K8sPermissionSubject', 'Grant-K8sPermission', 'New-K8sPolicyRule', 'Revoke-K8sPermission', 'Test-K8sPermission')
    }

    It 'checks the API group given as -ApiGroup, and writes it as the result''s ApiGroup' {
        $allowed = Test-K8sPermission -Verb update -Resource deployments/scale -ApiGroup apps -ServiceAccount $script:sa
        $allowed.Allowed | Should -BeTrue
        $allowed.ApiGroup | Should -Be 'apps'
        $allowed.PSObject.Properties.Name | Should -Not -Contain 'Group'
        ($allowed | Format-Table | Out-String -Width 120) | Should -BeLike '*deployments.apps/scale*'
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
        Remove-K8sRoleBinding naming-ops-view -Confirm:$false
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
        $revoked = Revoke-K8sPermission -Group devs, ops -Confirm:$false
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

    It 'says -ApiGroup and -Group in the help' {
        (Get-Help Test-K8sPermission -Parameter ApiGroup).description.Text | Should -BeLike '*API group*'
        (Get-Help Test-K8sPermission -Parameter Group).description.Text | Should -BeLike '*-User*'
        (Get-Help Grant-K8sPermission -Parameter Group).description.Text | Should -BeLike '*group*'
        (Get-Help Test-K8sPermission -Full | Out-String) | Should -Not -BeLike '*UserGroup*'
        (Get-Help about_K8sServiceAccount | Out-String) | Should -Not -BeLike '*UserGroup*'
    }
}

#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Get-K8sRiskyPermission against the local API server (its bootstrap ClusterRoles cluster-admin, admin, edit, view), on a
    snapshot and offline on policy objects. The full case table (74 cases from the RBAC documentation and the bootstrap
    policy) runs without PowerShell in tests/K8sServiceAccount.Client.Tests/Permissions/RiskAuditTests.cs; here a subset
    runs through the cmdlet.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:server = Start-TestSession -Directory $TestDrive -CreateNamespace risk1, risk2
    foreach ($account in 'risk1/app', 'risk1/reader', 'risk1/owner', 'risk1/boss', 'risk2/worker') {
        $ns, $name = $account -split '/'
        $null = New-K8sServiceAccount -Name $name -Namespace $ns
    }
    $null = New-K8sRoleBinding -Name edit-app -Namespace risk1 -ClusterRole edit -ServiceAccount risk1:app
    $null = New-K8sRoleBinding -Name view-reader -Namespace risk1 -ClusterRole view -ServiceAccount risk1:reader
    $null = New-K8sRoleBinding -Name admin-owner -Namespace risk1 -ClusterRole admin -ServiceAccount risk1:owner
    $null = New-K8sRoleBinding -Name boss -Namespace risk1 -ClusterRole cluster-admin -ServiceAccount risk1:boss
    $null = New-K8sRoleBinding -Name admins -Namespace risk1 -ClusterRole admin -User alice
    $null = New-K8sClusterRole -Name secret-reader -Rule (New-K8sPolicyRule -Verb get, list -Resource secrets)
    $null = New-K8sClusterRoleBinding -Name risk2-secrets -ClusterRole secret-reader -Group system:serviceaccounts:risk2
}

AfterAll {
    Stop-TestSession -Server $script:server
}

Describe 'Get-K8sRiskyPermission: the case table through the cmdlet (bootstrap roles of the local API server)' {
    It '<Role> bound in a namespace gives <Expected>' -TestCases @(
        @{ Role = 'view'; Account = 'risk1/reader'; Expected = ''; Top = $null }
        @{ Role = 'edit'; Account = 'risk1/app'; Expected = 'Impersonate,PodCreate,PodExec,PortForward,SecretRead,TokenCreate'; Top = 'High' }
        @{ Role = 'admin'; Account = 'risk1/owner'; Expected = 'BindingWrite,Impersonate,PodCreate,PodExec,PortForward,SecretRead,TokenCreate'; Top = 'High' }
        @{ Role = 'cluster-admin'; Account = 'risk1/boss'; Expected = 'ClusterAdmin'; Top = 'High' }
    ) {
        $findings = @(Get-K8sRiskyPermission -ServiceAccount $Account)
        ($findings.Category | Sort-Object -Unique) -join ',' | Should -Be $Expected
        if ($Top) {
            ($findings.Severity | Sort-Object -Descending | Select-Object -First 1).ToString() | Should -Be $Top
            $findings.Scope | Sort-Object -Unique | Should -Be 'risk1'
            $findings.ServiceAccount | Sort-Object -Unique | Should -Be $Account
            $findings.RoleName | Sort-Object -Unique | Should -Be $Role
        }
    }

    It 'admin can create rolebindings in its namespace: BindingWrite, Medium' {
        $finding = Get-K8sRiskyPermission -User alice | Where-Object Category -EQ BindingWrite
        $finding.Severity | Should -Be 'Medium'
        $finding.BindingName | Should -Be 'admins'
        $finding.ServiceAccount | Should -BeNullOrEmpty
    }

    It 'counts the implicit group system:serviceaccounts:NS of a ServiceAccount' {
        $findings = Get-K8sRiskyPermission -ServiceAccount risk2/worker
        $findings.Category | Should -Be 'SecretRead'
        $findings.Severity | Should -Be 'Critical'
        $findings.BindingSubject | Should -Be 'Group system:serviceaccounts:risk2'
        $findings.ServiceAccount | Should -Be 'risk2/worker'
    }
}

Describe 'Get-K8sRiskyPermission: subjects, filters and sources' {
    It 'lists every binding subject by default, most severe first, including system:masters' {
        $findings = @(Get-K8sRiskyPermission)
        $findings[0].Severity | Should -Be 'Critical'
        $findings | Where-Object { $_.SubjectName -eq 'system:masters' -and $_.Category -eq 'ClusterAdmin' } | Should -Not -BeNullOrEmpty
        $findings | Where-Object SubjectName -EQ 'system:serviceaccounts:risk2' | Should -Not -BeNullOrEmpty
        $findings | Where-Object SubjectName -EQ 'reader' | Should -BeNullOrEmpty
    }

    It 'takes piped ServiceAccounts' {
        $findings = Get-K8sServiceAccount -Name app -Namespace risk1 | Get-K8sRiskyPermission
        $findings.ServiceAccount | Sort-Object -Unique | Should -Be 'risk1/app'
    }

    It 'filters with -MinimumSeverity and -Namespace' {
        $high = @(Get-K8sRiskyPermission -ServiceAccount risk1/owner -MinimumSeverity High)
        $high.Category | Should -Not -Contain 'PortForward'
        $high.Category | Should -Not -Contain 'BindingWrite'
        $high.Severity | Should -Not -Contain 'Medium'
        Get-K8sRiskyPermission -ServiceAccount risk1/owner -Namespace risk2 | Should -BeNullOrEmpty
        (Get-K8sRiskyPermission -Namespace risk2).Scope | Should -Not -Contain 'risk1'
    }

    It 'gives the same findings on a snapshot and offline on policy objects' {
        $live = Get-K8sRiskyPermission -ServiceAccount risk1/app | ForEach-Object { "$($_.Category) $($_.Severity) $($_.Rule)" }
        $snapshot = Get-K8sRbacSnapshot
        Get-K8sRiskyPermission -ServiceAccount risk1/app -Snapshot $snapshot | ForEach-Object { "$($_.Category) $($_.Severity) $($_.Rule)" } | Should -Be $live
        $policy = @(Get-K8sClusterRole edit) + @(Get-K8sRoleBinding -Name edit-app -Namespace risk1)
        $missing = Join-Path $TestDrive 'no-such-kubeconfig'
        Get-K8sRiskyPermission -ServiceAccount risk1/app -Policy $policy -Kubeconfig $missing | ForEach-Object { "$($_.Category) $($_.Severity) $($_.Rule)" } | Should -Be $live
    }

    It 'names the parameter of a wrong ServiceAccount and refuses an unknown severity' {
        { Get-K8sRiskyPermission -ServiceAccount 'a/b/c' -ErrorAction Stop } | Should -Throw -ErrorId '*,K8sServiceAccount.Commands.GetK8sRiskyPermissionCommand'
        $err = $null
        Get-K8sRiskyPermission -ServiceAccount 'a/b/c' -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        "$err" | Should -Match 'ServiceAccount'
        { Get-K8sRiskyPermission -MinimumSeverity Severe } | Should -Throw -ErrorId 'CannotConvertArgumentNoMessage,K8sServiceAccount.Commands.GetK8sRiskyPermissionCommand'
    }

    It 'warns, as Get-K8sPermission does, about a ServiceAccount that does not exist, and audits its bindings' {
        $null = New-K8sRoleBinding -Name ghost-edit -Namespace risk1 -ClusterRole edit -ServiceAccount risk1:ghost
        $findings = Get-K8sRiskyPermission -ServiceAccount risk1/ghost, risk1/app -WarningVariable warnings -WarningAction SilentlyContinue
        @($warnings).Count | Should -Be 1
        "$($warnings[0])" | Should -BeLike '-ServiceAccount: the ServiceAccount risk1/ghost does not exist.*'
        $findings.ServiceAccount | Should -Contain 'risk1/ghost'
        $findings.ServiceAccount | Should -Contain 'risk1/app'
        Remove-K8sRoleBinding -Name ghost-edit -Namespace risk1 -Force
    }
}

Describe 'Get-K8sRiskyPermission: findings in the pipeline' {
    It 'has ServiceAccount NAMESPACE/NAME and no Namespace or Name property that other cmdlets would bind' {
        $finding = Get-K8sRiskyPermission -ServiceAccount risk1/app | Select-Object -First 1
        $finding.PSObject.Properties.Name | Should -Not -Contain 'Namespace'
        $finding.PSObject.Properties.Name | Should -Not -Contain 'Name'
        $finding.ServiceAccount | Should -Be 'risk1/app'
        # The join: a finding pipes into a cmdlet that takes -ServiceAccount by property name.
        $rules = $finding | Get-K8sPermission
        $rules.Subject | Sort-Object -Unique | Should -Be 'system:serviceaccount:risk1:app'
    }

    It 'fits 80 columns' {
        $lines = Get-K8sRiskyPermission -ServiceAccount risk1/owner | Format-Table | Out-String -Width 80 -Stream
        $lines | Where-Object { $_.Length -gt 80 } | Should -BeNullOrEmpty
        ($lines -join "`n") | Should -Match 'Severity\s+Category\s+Subject\s+Scope\s+RoleName'
    }

    It 'shows the longest category, ImpersonateExtra, whole at 80 columns' {
        $null = New-K8sClusterRole -Name extras-impersonator -Rule (New-K8sPolicyRule -Verb impersonate -Resource userextras -ApiGroup authentication.k8s.io)
        $null = New-K8sClusterRoleBinding -Name extras-impersonator -ClusterRole extras-impersonator -User carol
        $lines = Get-K8sRiskyPermission -User carol | Format-Table | Out-String -Width 80 -Stream
        $lines | Where-Object { $_ -match '^Medium\s+ImpersonateExtra\s+User carol\s' } | Should -HaveCount 1
    }
}

#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Get-K8sPermission -ServiceAccount when the caller may not list RBAC objects (issue 14): the rules come from a
    SelfSubjectRulesReview sent while impersonating the ServiceAccount (kubectl auth can-i --list --as), with
    Method SelfSubjectRulesReview. The restricted callers are ServiceAccounts of this file, connected through kubeconfigs
    New-K8sSaKubeconfig writes: pf/impersonator may impersonate ServiceAccounts in pf but not list RBAC objects;
    pf/nobody may do neither.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:ns = 'pf'
    $script:server = Start-TestSession -Directory $TestDrive -Namespace $ns -CreateNamespace $ns
    $script:admin = $server.Kubeconfig

    New-K8sServiceAccount -Name app, impersonator, nobody | Out-Null
    Grant-K8sPermission -ServiceAccount "$ns/app" -Verb get, list -Resource pods, configmaps | Out-Null
    Grant-K8sPermission -ServiceAccount "$ns/impersonator" -Verb impersonate -Resource serviceaccounts | Out-Null
    Grant-K8sPermission -ServiceAccount "$ns/impersonator" -Verb get -Resource serviceaccounts | Out-Null

    $script:impersonatorConfig = Join-Path $TestDrive 'impersonator.kubeconfig'
    $script:nobodyConfig = Join-Path $TestDrive 'nobody.kubeconfig'
    $null = New-K8sSaKubeconfig impersonator -Path $impersonatorConfig
    $null = New-K8sSaKubeconfig nobody -Path $nobodyConfig
    $script:byRbac = Get-K8sPermission -ServiceAccount "$ns/app" -Namespace $ns
}

AfterAll {
    Stop-TestSession -Server $script:server
}

Describe 'Get-K8sPermission for a ServiceAccount without list on RBAC objects' {
    AfterEach { Connect-K8sCluster -Kubeconfig $admin -Namespace $ns }

    It 'reads the RBAC objects when it may (Method RbacObjects)' {
        $byRbac | Should -Not -BeNullOrEmpty
        $byRbac.Method | Select-Object -Unique | Should -Be 'RbacObjects'
    }

    It 'falls back to a SelfSubjectRulesReview as the ServiceAccount, with a verbose message' {
        Connect-K8sCluster -Kubeconfig $impersonatorConfig -Namespace $ns
        $rules = Get-K8sPermission -ServiceAccount "$ns/app" -Namespace $ns -ErrorAction Stop -Verbose 4>&1
        $verbose = @($rules | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        $rules = @($rules | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
        ($verbose.Message -join "`n") | Should -Match 'SelfSubjectRulesReview'
        $rules.Method | Select-Object -Unique | Should -Be 'SelfSubjectRulesReview'
        $rules.Subject | Select-Object -Unique | Should -Be "system:serviceaccount:$($ns):app"
        $rules[0].PSObject.Properties.Name | Should -Contain 'Incomplete'
        $rules[0].PSObject.Properties.Name | Should -Contain 'EvaluationError'
    }

    It 'returns the same rules an admin gets from the RBAC objects' {
        Connect-K8sCluster -Kubeconfig $impersonatorConfig -Namespace $ns
        $rules = Get-K8sPermission -ServiceAccount "$ns/app" -Namespace $ns -ErrorAction Stop
        $rules.Rule | Where-Object { $_ -match 'pods' } | Should -Not -BeNullOrEmpty
        @($rules.Rule | Sort-Object -Unique) | Should -Be @($byRbac.Rule | Sort-Object -Unique)
    }

    It 'says both reasons when impersonating is forbidden too' {
        Connect-K8sCluster -Kubeconfig $nobodyConfig -Namespace $ns
        $failure = { Get-K8sPermission -ServiceAccount "$ns/app" -Namespace $ns -ErrorAction Stop } |
            Should -Throw -ErrorId 'PermissionListForbidden,*' -PassThru
        "$failure" | Should -Match 'list'
        "$failure" | Should -Match 'impersonat'
    }
}

Describe 'A user with several groups checked by impersonation (no SubjectAccessReviews allowed)' {
    # The groups go as one Impersonate-Group line each, as kubectl sends them: HttpClient would join them into one line
    # that the server reads as one group named "devs, ops", which holds nothing (a silently wrong answer).
    BeforeAll {
        Grant-K8sPermission -ServiceAccount "$ns/impersonator" -Verb impersonate -Resource users, groups -ClusterWide | Out-Null
        Grant-K8sPermission -Group ops -Verb get -Resource secrets -Namespace $ns | Out-Null
    }
    AfterEach { Connect-K8sCluster -Kubeconfig $admin -Namespace $ns }

    It 'answers as the server does for the user in both groups (Method Impersonation)' {
        Test-K8sPermission get secrets -User alice -Group devs, ops -Namespace $ns -Quiet | Should -BeTrue -Because 'the admin asks with a SubjectAccessReview'
        Connect-K8sCluster -Kubeconfig $impersonatorConfig -Namespace $ns
        $answer = Test-K8sPermission get secrets -User alice -Group devs, ops -Namespace $ns -ErrorAction Stop
        $answer.Method | Should -Be 'Impersonation'
        $answer.Allowed | Should -BeTrue
        (Test-K8sPermission delete secrets -User alice -Group devs, ops -Namespace $ns -ErrorAction Stop).Allowed | Should -BeFalse
    }

    It 'lists the rules of the user in both groups' {
        Connect-K8sCluster -Kubeconfig $impersonatorConfig -Namespace $ns
        $rules = Get-K8sPermission -User alice -Group devs, ops -Namespace $ns -ErrorAction Stop
        $rules.Method | Select-Object -Unique | Should -Be 'SelfSubjectRulesReview'
        $rules | Where-Object { $_.Resources -contains 'secrets' -and $_.Verbs -contains 'get' } | Should -Not -BeNullOrEmpty
    }
}

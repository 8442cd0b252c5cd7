#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    The RBAC object cmdlets (New-K8sPolicyRule; New/Get/Remove of Role, RoleBinding, ClusterRole, ClusterRoleBinding)
    as their help examples are typed, against this file's own local API server, with the pipelines Get | Remove,
    -WhatIf, and the error ids a user catches. The namespaces apps and monitoring of the examples are created on that
    server.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:server = Start-TestSession -Directory $TestDrive -Namespace apps -CreateNamespace 'apps', 'monitoring'
    $null = New-K8sServiceAccount -Name sample-sa
    $null = New-K8sServiceAccount -Name prober -Namespace monitoring
}

AfterAll {
    Stop-TestSession -Server $script:server
}

Describe 'New-K8sPolicyRule' {
    It 'builds a rule for deployments and their scale in apps and extensions (help example 1)' {
        $rule = New-K8sPolicyRule -Verb get,update -Resource deployments,deployments/scale -ApiGroup apps,extensions
        $rule.Verbs | Should -Be @('get', 'update')
        $rule.Resources | Should -Be @('deployments', 'deployments/scale')
        $rule.ApiGroups | Should -Be @('apps', 'extensions')
    }

    It 'builds a non-resource rule (help example 2)' {
        $rule = New-K8sPolicyRule -Verb get -NonResourceUrl /healthz,/readyz
        $rule.NonResourceUrls | Should -Be @('/healthz', '/readyz')
        $rule.Resources | Should -BeNullOrEmpty
    }

    It 'takes the verb and the resources by position, with the core group for pods' {
        $rule = New-K8sPolicyRule get, list pods
        $rule.Resources | Should -Be 'pods'
        $rule.ApiGroups | Should -Be ''
    }
}

Describe 'Role and RoleBinding' {
    It 'creates deploy-scaler in apps from a rule (help example 1 of New-K8sRole)' {
        $role = New-K8sRole -Name deploy-scaler -Namespace apps -Rule (New-K8sPolicyRule -Verb get,update -Resource deployments,deployments/scale -ApiGroup apps,extensions)
        $role.Kind | Should -Be 'Role'
        $role.Namespace | Should -Be 'apps'
        $role.Rules.Count | Should -Be 1
        $role.Rules[0].Resources | Should -Be @('deployments', 'deployments/scale')
    }

    It 'creates pod-reader from a hashtable rule (help example 2 of New-K8sRole)' {
        $role = New-K8sRole pod-reader -Rule @{ Verbs = 'get','list'; ApiGroups = ''; Resources = 'pods' }
        $role.Name | Should -Be 'pod-reader'
        $role.Rules[0].Verbs | Should -Be @('get', 'list')
        $role.Rules[0].Resources | Should -Be 'pods'
    }

    It 'creates nothing with -WhatIf and reports a taken name' {
        New-K8sRole -Name ghost -Rule (New-K8sPolicyRule -Verb get -Resource pods) -WhatIf | Should -BeNullOrEmpty
        Get-K8sRole -Name ghost -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        { New-K8sRole pod-reader -Rule (New-K8sPolicyRule -Verb get -Resource pods) -ErrorAction Stop } |
            Should -Throw -ErrorId 'KubernetesAlreadyExists,K8sServiceAccount.Commands.NewK8sRoleCommand'
    }

    It 'refuses a non-resource rule in a Role, with the server''s message' {
        $failure = { New-K8sRole -Name health -Rule (New-K8sPolicyRule -Verb get -NonResourceUrl /healthz) -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidRule,K8sServiceAccount.Commands.NewK8sRoleCommand' -PassThru
        $failure.Exception.Message | Should -BeLike '*namespaced rules cannot apply to non-resource URLs*'
    }

    It 'lists the Roles of apps (help example 1 of Get-K8sRole)' {
        $roles = Get-K8sRole -Namespace apps
        $roles.Name | Sort-Object | Should -Be @('deploy-scaler', 'pod-reader')
        $roles | Format-Table | Out-String -Width 120 | Should -Match 'deploy-scaler'
    }

    It 'binds deploy-scaler to sample-sa (help example 1 of New-K8sRoleBinding)' {
        $binding = New-K8sRoleBinding -Name sample-sa-scaler -Namespace apps -Role deploy-scaler -ServiceAccount apps:sample-sa
        $binding.Kind | Should -Be 'RoleBinding'
        $binding.RoleKind | Should -Be 'Role'
        $binding.RoleName | Should -Be 'deploy-scaler'
        $binding.Subjects.Name | Should -Be 'sample-sa'
        $binding.Subjects.Namespace | Should -Be 'apps'
    }

    It 'binds the view ClusterRole to a group (help example 2 of New-K8sRoleBinding)' {
        # -Group is a subject's group, as kubectl create rolebinding --group.
        $binding = New-K8sRoleBinding viewers -ClusterRole view -Group system:serviceaccounts:apps
        $binding.RoleKind | Should -Be 'ClusterRole'
        $binding.Subjects.Kind | Should -Be 'Group'
        $binding.Subjects.Name | Should -Be 'system:serviceaccounts:apps'
        Test-K8sPermission -Verb list -Resource pods -ServiceAccount apps/prober -Quiet | Should -BeTrue
    }

    It 'finds the bindings of sample-sa in every namespace (help example of Get-K8sRoleBinding)' {
        $bindings = Get-K8sRoleBinding -AllNamespaces | Where-Object { $_.Subjects.Name -contains 'sample-sa' }
        $bindings.Name | Should -Be 'sample-sa-scaler'
        { Get-K8sRoleBinding -Name nosuch -ErrorAction Stop } |
            Should -Throw -ErrorId 'KubernetesNotFound,K8sServiceAccount.Commands.GetK8sRoleBindingCommand'
    }

    It 'removes a RoleBinding and a Role by name (help examples 1 of Remove-K8sRoleBinding and Remove-K8sRole)' {
        Remove-K8sRoleBinding sample-sa-scaler -Namespace apps -Confirm:$false
        Remove-K8sRole deploy-scaler -Namespace apps -Confirm:$false
        Get-K8sRoleBinding -Name 'sample-sa-*' | Should -BeNullOrEmpty
        Get-K8sRole -Name 'deploy-*' | Should -BeNullOrEmpty
        { Remove-K8sRole deploy-scaler -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'KubernetesNotFound,K8sServiceAccount.Commands.RemoveK8sRoleCommand'
    }

    It 'removes what Get-K8sRole -AllNamespaces pipes to it, in each object''s namespace (help example 2 of Remove-K8sRole)' {
        $rule = New-K8sPolicyRule -Verb get -Resource configmaps
        $null = New-K8sRole tmp-a -Rule $rule
        $null = New-K8sRole tmp-b -Namespace monitoring -Rule $rule
        Get-K8sRole 'tmp-*' -AllNamespaces | Remove-K8sRole -WhatIf
        (Get-K8sRole 'tmp-*' -AllNamespaces).Count | Should -Be 2

        Get-K8sRole 'tmp-*' -AllNamespaces | Remove-K8sRole -Confirm:$false
        Get-K8sRole 'tmp-*' -AllNamespaces | Should -BeNullOrEmpty
        (Get-K8sRole -Namespace apps).Name | Should -Be 'pod-reader'
    }

    It 'removes what Get-K8sRoleBinding pipes to it' {
        Get-K8sRoleBinding viewers | Remove-K8sRoleBinding -Confirm:$false
        Get-K8sRoleBinding -Namespace apps | Should -BeNullOrEmpty
    }
}

Describe 'ClusterRole and ClusterRoleBinding' {
    It 'gets the bootstrap ClusterRoles view and edit by position (help example 1 of Get-K8sClusterRole)' {
        $roles = Get-K8sClusterRole view, edit
        $roles.Name | Should -Be @('view', 'edit')
        $roles.Kind | Sort-Object -Unique | Should -Be 'ClusterRole'
        $roles.Namespace | Where-Object { $_ } | Should -BeNullOrEmpty
    }

    It 'finds the binding of cluster-admin (help example of Get-K8sClusterRoleBinding)' {
        $binding = Get-K8sClusterRoleBinding | Where-Object RoleName -eq cluster-admin
        $binding.Name | Should -Contain 'cluster-admin'
        ($binding | Where-Object Name -eq cluster-admin).Subjects.Name | Should -Be 'system:masters'
    }

    It 'creates a non-resource ClusterRole and binds it to monitoring:prober (help examples of New-K8sClusterRole and New-K8sClusterRoleBinding)' {
        $role = New-K8sClusterRole -Name health-reader -Rule (New-K8sPolicyRule -Verb get -NonResourceUrl /healthz,/readyz)
        $role.Kind | Should -Be 'ClusterRole'
        $role.Rules[0].NonResourceUrls | Should -Be @('/healthz', '/readyz')

        $binding = New-K8sClusterRoleBinding -Name monitoring-health -ClusterRole health-reader -ServiceAccount monitoring:prober
        $binding.Kind | Should -Be 'ClusterRoleBinding'
        $binding.RoleName | Should -Be 'health-reader'
        $binding.Subjects.Namespace | Should -Be 'monitoring'
        # Every authenticated user may get /healthz (system:public-info-viewer); -Explain names this binding too.
        $explained = Test-K8sPermission -Verb get -NonResourceUrl /healthz -ServiceAccount monitoring/prober -Explain
        $explained.Allowed | Should -BeTrue
        $explained.GrantedBy.BindingName | Should -Contain 'monitoring-health'
    }

    It 'aggregates ClusterRoles by label (help example 2 of New-K8sClusterRole)' {
        $monitoring = New-K8sClusterRole -Name monitoring -AggregationRule @{ 'rbac.example.com/aggregate-to-monitoring' = 'true' }
        $monitoring.IsAggregated | Should -BeTrue
        $null = New-K8sClusterRole -Name monitoring-endpoints -Label @{ 'rbac.example.com/aggregate-to-monitoring' = 'true' } -Rule (New-K8sPolicyRule -Verb get,list,watch -Resource services,endpointslices)
        # The aggregation controller fills the rules after the create has been answered, as in Kubernetes.
        Wait-Until { (Get-K8sClusterRole monitoring).Rules.Resources -contains 'services' }
        (Get-K8sClusterRole monitoring).Rules.Resources | Should -Contain 'services'
    }

    It 'finds the ClusterRoles the module manages by label (help example 2 of Get-K8sClusterRole)' {
        $grant = Grant-K8sPermission apps/sample-sa -Verb get -NonResourceUrl /healthz -ClusterWide
        $managed = Get-K8sClusterRole -LabelSelector 'app.kubernetes.io/managed-by=K8sServiceAccount'
        $managed.Name | Should -Be $grant.Name
        $managed.Labels['app.kubernetes.io/managed-by'] | Should -Be 'K8sServiceAccount'
    }

    It 'creates nothing with -WhatIf' {
        New-K8sClusterRoleBinding -Name ghost -ClusterRole view -ServiceAccount apps:sample-sa -WhatIf | Should -BeNullOrEmpty
        New-K8sClusterRole -Name ghost -Rule (New-K8sPolicyRule -Verb get -Resource pods) -WhatIf | Should -BeNullOrEmpty
        { Get-K8sClusterRoleBinding ghost -ErrorAction Stop } |
            Should -Throw -ErrorId 'KubernetesNotFound,K8sServiceAccount.Commands.GetK8sClusterRoleBindingCommand'
        { Get-K8sClusterRole ghost -ErrorAction Stop } |
            Should -Throw -ErrorId 'KubernetesNotFound,K8sServiceAccount.Commands.GetK8sClusterRoleCommand'
    }

    It 'removes by name (help examples of Remove-K8sClusterRoleBinding and Remove-K8sClusterRole)' {
        Remove-K8sClusterRoleBinding monitoring-health -Confirm:$false
        Remove-K8sClusterRole health-reader -Confirm:$false
        (Test-K8sPermission -Verb get -NonResourceUrl /healthz -ServiceAccount monitoring/prober -Explain).GrantedBy.BindingName |
            Should -Not -Contain 'monitoring-health'
        { Remove-K8sClusterRole health-reader -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'KubernetesNotFound,K8sServiceAccount.Commands.RemoveK8sClusterRoleCommand'
    }

    It 'removes what Get-K8sClusterRole and Get-K8sClusterRoleBinding pipe to them, and nothing with -WhatIf' {
        $null = New-K8sClusterRoleBinding -Name monitoring-view -ClusterRole monitoring -ServiceAccount monitoring:prober
        Get-K8sClusterRoleBinding 'monitoring-*' | Remove-K8sClusterRoleBinding -WhatIf
        (Get-K8sClusterRoleBinding 'monitoring-*').Name | Should -Be 'monitoring-view'
        Get-K8sClusterRoleBinding 'monitoring-*' | Remove-K8sClusterRoleBinding -Confirm:$false
        Get-K8sClusterRoleBinding 'monitoring-*' | Should -BeNullOrEmpty

        Get-K8sClusterRole 'monitoring*' | Remove-K8sClusterRole -Confirm:$false
        Get-K8sClusterRole 'monitoring*' | Should -BeNullOrEmpty
        (Get-K8sClusterRole view).Name | Should -Be 'view'
    }
}

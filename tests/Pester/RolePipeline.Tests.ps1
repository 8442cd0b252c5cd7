#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Rules piped into New-K8sRole and New-K8sClusterRole: New-K8sPolicyRule ... | New-K8sRole -Name x makes ONE role
    with every piped rule (as the help's "from rules of New-K8sPolicyRule" promises), hashtable rules too, while
    Get-K8sRole | New-K8sRole still makes one role per piped role (its Name and Rules bound by property name).
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:server = Start-TestSession -Directory $TestDrive -Namespace default
}

AfterAll {
    Stop-TestSession -Server $script:server
}

Describe 'Rules piped into New-K8sRole and New-K8sClusterRole' {
    It 'makes one Role from every rule New-K8sPolicyRule pipes in' {
        $role = New-K8sPolicyRule -Verb get, list -Resource pods |
            ForEach-Object { $_; New-K8sPolicyRule -Verb get -Resource configmaps } |
            New-K8sRole -Name piped-reader
        @($role).Count | Should -Be 1
        $role.Name | Should -Be 'piped-reader'
        (Get-K8sRole piped-reader).Rules.Resources | Sort-Object | Should -Be 'configmaps', 'pods'
    }

    It 'makes one ClusterRole from piped rules, hashtables included' {
        $role = @{ Verbs = 'get'; NonResourceUrls = '/healthz' }, (New-K8sPolicyRule -Verb list -Resource namespaces) |
            New-K8sClusterRole -Name piped-cluster-reader
        @($role).Count | Should -Be 1
        (Get-K8sClusterRole piped-cluster-reader).Rules.Count | Should -Be 2
    }

    It 'creates nothing under -WhatIf' {
        New-K8sPolicyRule -Verb get -Resource pods | New-K8sRole -Name never-made -WhatIf
        { Get-K8sRole never-made -ErrorAction Stop } | Should -Throw -ErrorId 'KubernetesNotFound,K8sServiceAccount.Commands.GetK8sRoleCommand'
    }

    It 'still copies each piped role under its own name when -Name is not given' {
        $null = New-K8sRole -Name copy-a -Rule (New-K8sPolicyRule -Verb get -Resource pods)
        $null = New-K8sRole -Name copy-b -Rule (New-K8sPolicyRule -Verb list -Resource pods)
        $copies = Get-K8sRole copy-a, copy-b | New-K8sRole -Namespace kube-public
        $copies.Name | Should -Be 'copy-a', 'copy-b'
        $copies.Namespace | Sort-Object -Unique | Should -Be 'kube-public'
    }
}

Describe 'New-K8sRole help example 3' {
    It 'creates one Role from the rule New-K8sPolicyRule pipes in' {
        New-TestNamespace -Server $server -Name apps
        New-K8sPolicyRule -Verb get,list -Resource pods, configmaps | New-K8sRole -Name app-reader -Namespace apps
        (Get-K8sRole app-reader -Namespace apps).Rules.Resources | Should -Be 'pods', 'configmaps'
    }
}

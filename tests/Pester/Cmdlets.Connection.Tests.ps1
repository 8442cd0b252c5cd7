#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    The connection cmdlets (Get-K8sContext, Connect-K8sCluster, Get-K8sConnection, Disconnect-K8sCluster,
    Get-K8sIdentity) as their help examples are typed, against this file's own local API server: KUBECONFIG names the
    server's admin kubeconfig with its context renamed kind-dev, and kubeconfigs that New-K8sSaKubeconfig wrote for
    ServiceAccounts (contexts ci and kind-prod), so the examples' context names exist.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-Module (Get-StagedModulePath) -Force -ErrorAction Stop
    $script:server = Start-LocalApiServer -Directory $TestDrive
    foreach ($name in 'apps', 'ci') {
        New-TestNamespace -Server $server -Name $name
    }

    $script:dev = Join-Path $TestDrive 'dev.kubeconfig'
    (Get-Content -Raw -LiteralPath $server.Kubeconfig) -replace 'current-context: local-apiserver', 'current-context: kind-dev' -replace
        '- name: local-apiserver(\s+context:)', '- name: kind-dev$1' | Set-Content -LiteralPath $dev
    $null = New-K8sServiceAccount deployer -Namespace ci -Kubeconfig $dev
    $null = New-K8sServiceAccount reader -Namespace apps -Kubeconfig $dev
    $script:ci = Join-Path $TestDrive 'ci.kubeconfig'
    $script:prod = Join-Path $TestDrive 'prod.kubeconfig'
    $null = New-K8sSaKubeconfig deployer -Namespace ci -ContextName ci -Path $ci -Kubeconfig $dev
    $null = New-K8sSaKubeconfig reader -Namespace apps -ContextName kind-prod -Path $prod -Kubeconfig $dev

    $script:savedKubeconfig = $env:KUBECONFIG
    $env:KUBECONFIG = $dev, $ci, $prod -join [System.IO.Path]::PathSeparator
    Push-Location -LiteralPath $TestDrive
}

AfterAll {
    Pop-Location
    $env:KUBECONFIG = $script:savedKubeconfig
    Disconnect-K8sCluster
    Stop-LocalApiServer -Server $script:server
    Remove-Module K8sServiceAccount -ErrorAction Ignore
}

Describe 'Get-K8sContext' {
    It 'lists the contexts KUBECONFIG names, the current one first (help example 1)' {
        $contexts = Get-K8sContext
        $contexts.Name | Should -Be @('kind-dev', 'ci', 'kind-prod')
        $contexts.IsCurrent | Should -Be @($true, $false, $false)
        $contexts[1].Namespace | Should -Be 'ci'
        $contexts[1].SourceFile | Should -Be $ci
    }

    It 'filters one file''s contexts with a wildcard (help example 2)' {
        Get-K8sContext -Name 'prod-*' -Kubeconfig ./ci.kubeconfig | Should -BeNullOrEmpty
        (Get-K8sContext -Name 'c*' -Kubeconfig ./ci.kubeconfig).Name | Should -Be 'ci'
        (Get-K8sContext -Name 'kind-*').Name | Should -Be @('kind-dev', 'kind-prod')
    }

    It 'finds the current context (help example 3)' {
        (Get-K8sContext | Where-Object IsCurrent).Name | Should -Be 'kind-dev'
    }
}

Describe 'Connect-K8sCluster, Get-K8sConnection and Disconnect-K8sCluster' {
    AfterAll { Disconnect-K8sCluster }

    It 'connects the session to kind-dev in apps (help example 1 of Connect-K8sCluster and of Get-K8sConnection)' {
        Connect-K8sCluster -Context kind-dev -Namespace apps | Should -BeNullOrEmpty
        $connection = Get-K8sConnection
        $connection.Source | Should -Be 'Session'
        $connection.Context | Should -Be 'kind-dev'
        $connection.Namespace | Should -Be 'apps'
        $connection.Server | Should -BeLike 'https://127.0.0.1:*'
        (Get-K8sServiceAccount).Name | Should -Contain 'reader'
    }

    It 'shows where another context''s namespace comes from (help example 2 of Get-K8sConnection)' {
        $prod = Get-K8sConnection -Context kind-prod | Select-Object Server, Namespace, NamespaceSource
        $prod.Namespace | Should -Be 'apps'
        $prod.NamespaceSource | Should -Be 'context'
        $prod.Server | Should -BeLike 'https://127.0.0.1:*'
    }

    It 'says outside a Pod that there is no in-cluster configuration (help example 2 of Connect-K8sCluster)' {
        $failure = { Connect-K8sCluster -InCluster -PassThru } |
            Should -Throw -ErrorId 'InClusterConfigNotFound,K8sServiceAccount.Commands.ConnectK8sClusterCommand' -PassThru
        $failure.Exception.Message | Should -BeLike '*KUBERNETES_SERVICE_HOST*'
        # The session is left as it was.
        (Get-K8sConnection).Context | Should -Be 'kind-dev'
    }

    It 'returns to KUBECONFIG after Disconnect-K8sCluster (help example of Disconnect-K8sCluster)' {
        $after = & { Disconnect-K8sCluster; Get-K8sConnection }
        $after.Source | Should -Be 'Kubeconfig'
        $after.Context | Should -Be 'kind-dev'
        $after.Namespace | Should -Be 'default'
        $after.KubeconfigFiles | Should -Be @($dev, $ci, $prod)
    }
}

Describe 'Get-K8sIdentity' {
    It 'shows the current context''s user (help example 1)' {
        $me = Get-K8sIdentity
        $me.User | Should -Be 'admin'
        $me.Groups | Should -Contain 'system:masters'
    }

    It 'shows that the ci context is a ServiceAccount, not an administrator (help example 2)' {
        (Get-K8sIdentity -Context ci).Groups -contains 'system:masters' | Should -BeFalse
        $ci = Get-K8sIdentity -Context ci
        $ci.User | Should -Be 'system:serviceaccount:ci:deployer'
        $ci.Uid | Should -Be (Get-K8sServiceAccount deployer -Namespace ci).Uid
    }
}

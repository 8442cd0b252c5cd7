#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    The connection cmdlets against the staged module and temp kubeconfig files (no cluster needed).
    The selection logic behind them is also tested without PowerShell in
    tests/K8sServiceAccount.Module.Tests/ConnectionLayerTests.cs.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:modulePath = Get-StagedModulePath
    Import-Module $script:modulePath -Force -ErrorAction Stop

    # The same two-context kubeconfig as TestEnvironment.TwoContexts in the xunit tests.
    $script:kubeconfig = Join-Path $TestDrive 'config.yaml'
    Set-Content -LiteralPath $script:kubeconfig -Value @'
apiVersion: v1
kind: Config
current-context: alpha
clusters:
- name: alpha-cluster
  cluster:
    server: https://alpha.example:6443
    insecure-skip-tls-verify: true
- name: beta-cluster
  cluster:
    server: https://beta.example:6443
contexts:
- name: alpha
  context:
    cluster: alpha-cluster
    user: alpha-user
    namespace: apps
- name: beta
  context:
    cluster: beta-cluster
    user: beta-user
users:
- name: alpha-user
  user:
    token: alpha-token-value
- name: beta-user
  user:
    username: admin
    password: beta-password-value
'@
}

AfterAll {
    Disconnect-K8sCluster
    Remove-Module K8sServiceAccount -ErrorAction Ignore
}

Describe 'Get-K8sContext' {
    It 'lists the contexts in file order with the current one marked' {
        $contexts = Get-K8sContext -Kubeconfig $kubeconfig
        $contexts.Name | Should -Be @('alpha', 'beta')
        $contexts.IsCurrent | Should -Be @($true, $false)
        $contexts[0].Namespace | Should -Be 'apps'
        $contexts[0].PSObject.TypeNames[0] | Should -Be 'K8sServiceAccount.K8sContextInfo'
    }

    It 'shows a Current column with * like kubectl' {
        Get-K8sContext -Kubeconfig $kubeconfig | Format-Table | Out-String | Should -Match 'True\s+alpha'
    }

    It 'filters with wildcards, case-sensitively' {
        (Get-K8sContext -Kubeconfig $kubeconfig -Name 'b*').Name | Should -Be 'beta'
        Get-K8sContext -Kubeconfig $kubeconfig -Name 'B*' | Should -BeNullOrEmpty
    }

    It 'reports an unknown name as ContextNotFound and goes on' {
        $found = Get-K8sContext -Kubeconfig $kubeconfig -Name nosuch, beta -ErrorVariable failures -ErrorAction SilentlyContinue
        $found.Name | Should -Be 'beta'
        $failures[0].FullyQualifiedErrorId | Should -Be 'ContextNotFound,K8sServiceAccount.Commands.GetK8sContextCommand'
        $failures[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failures[0].TargetObject | Should -Be 'nosuch'
    }

    It 'says a KUBECONFIG entry or ~/.kube/config that is a directory cannot be read, naming it, as kubectl does' {
        $folder = New-Item -ItemType Directory -Force -Path (Join-Path $TestDrive 'kubeconfig-folder')
        $home2 = New-Item -ItemType Directory -Force -Path (Join-Path $TestDrive 'home-with-folder/.kube/config')
        $saved = $env:KUBECONFIG, $env:HOME
        try {
            $env:KUBECONFIG = $folder.FullName
            $failure = { Get-K8sConnection -ErrorAction Stop } | Should -Throw -PassThru
            $failure.FullyQualifiedErrorId | Should -BeLike 'KubeconfigUnreadable,*'
            "$failure" | Should -BeLike "*$($folder.FullName)*"
            $env:KUBECONFIG = $null
            $env:HOME = Split-Path (Split-Path $home2.FullName)
            $failure = { Get-K8sConnection -ErrorAction Stop } | Should -Throw -PassThru
            $failure.FullyQualifiedErrorId | Should -BeLike 'KubeconfigUnreadable,*'
            "$failure" | Should -BeLike "*$($home2.FullName)*"
        }
        finally { $env:KUBECONFIG, $env:HOME = $saved }
    }

    It 'stops with the client''s id when the kubeconfig is missing' {
        { Get-K8sContext -Kubeconfig (Join-Path $TestDrive 'absent.yaml') } |
            Should -Throw -ErrorId 'KubeconfigNotFound,K8sServiceAccount.Commands.GetK8sContextCommand'
    }
}

Describe 'Connection order' {
    AfterEach { Disconnect-K8sCluster }

    It 'uses per-call parameters first' {
        $connection = Get-K8sConnection -Kubeconfig $kubeconfig -Context beta
        $connection.Source | Should -Be 'Parameter'
        $connection.Context | Should -Be 'beta'
        $connection.Server | Should -Be 'https://beta.example:6443/'
        $connection.Namespace | Should -Be 'default'
        $connection.AuthKind | Should -Be 'Basic'
    }

    It 'uses the session after Connect-K8sCluster' {
        $connected = Connect-K8sCluster -Kubeconfig $kubeconfig -Context alpha -Namespace web -PassThru
        $connected.Source | Should -Be 'Session'
        $connection = Get-K8sConnection
        $connection.Source | Should -Be 'Session'
        $connection.Context | Should -Be 'alpha'
        $connection.Namespace | Should -Be 'web'
        $connection.NamespaceSource | Should -Be 'parameter'
    }

    It 'lets -Namespace change only the namespace of the session' {
        Connect-K8sCluster -Kubeconfig $kubeconfig -Context alpha
        $connection = Get-K8sConnection -Namespace other
        $connection.Source | Should -Be 'Session'
        $connection.Namespace | Should -Be 'other'
    }

    It 'takes -Namespace as given, never from a piped object (its Namespace could mean something else)' {
        (Get-K8sConnection -Kubeconfig $kubeconfig -Namespace one).Namespace | Should -Be 'one'
        { [pscustomobject]@{ Namespace = 'one' } | Get-K8sConnection -Kubeconfig $kubeconfig -ErrorAction Stop } |
            Should -Throw -ErrorId 'InputObjectNotBound,K8sServiceAccount.Commands.GetK8sConnectionCommand'
    }

    It 'lets -Context beat the session' {
        Connect-K8sCluster -Kubeconfig $kubeconfig -Context alpha
        (Get-K8sConnection -Kubeconfig $kubeconfig -Context beta).Source | Should -Be 'Parameter'
    }

    It 'keeps the session to its runspace with -Scope Runspace' {
        Connect-K8sCluster -Kubeconfig $kubeconfig -Context alpha -Scope Runspace
        $elsewhere = 1 | ForEach-Object -Parallel {
            Import-Module $using:modulePath
            try { (Get-K8sConnection -ErrorAction Stop).Source } catch { $_.FullyQualifiedErrorId }
        }
        $elsewhere | Should -Not -Be 'Session'
    }

    It 'returns to automatic after Disconnect-K8sCluster' {
        Connect-K8sCluster -Kubeconfig $kubeconfig -Context alpha
        Disconnect-K8sCluster
        $after = try { (Get-K8sConnection -ErrorAction Stop).Source } catch { $_.FullyQualifiedErrorId }
        $after | Should -Not -Be 'Session'
    }

    It 'rejects -InCluster with -Kubeconfig' {
        { Get-K8sConnection -Kubeconfig $kubeconfig -InCluster } |
            Should -Throw -ErrorId 'ConnectionRequestInvalid,K8sServiceAccount.Commands.GetK8sConnectionCommand'
    }

    It 'stops with KubeconfigContextNotFound for an unknown context' {
        { Get-K8sConnection -Kubeconfig $kubeconfig -Context gamma } |
            Should -Throw -ErrorId 'KubeconfigContextNotFound,K8sServiceAccount.Commands.GetK8sConnectionCommand'
    }

    It 'never shows a credential' {
        foreach ($context in 'alpha', 'beta') {
            $text = Get-K8sConnection -Kubeconfig $kubeconfig -Context $context | Format-List * | Out-String
            $text | Should -Not -Match 'alpha-token-value|beta-password-value'
        }
    }
}

Describe 'Completion' {
    It 'completes -Context from the kubeconfig the command names' {
        $line = "Get-K8sConnection -Kubeconfig '$kubeconfig' -Context b"
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be 'beta'
    }
}

Describe 'Help' {
    It 'has a synopsis, a description and examples for <_>' -ForEach @('Get-K8sContext', 'Connect-K8sCluster', 'Get-K8sConnection', 'Disconnect-K8sCluster') {
        $help = Get-Help $_ -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.description | Should -Not -BeNullOrEmpty
        $help.examples.example | Should -Not -BeNullOrEmpty
    }

    It 'has the about topic' {
        Get-Help about_K8sServiceAccount | Out-String | Should -Match 'WHICH CLUSTER A COMMAND TALKS TO'
    }
}

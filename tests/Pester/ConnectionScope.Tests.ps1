#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Where Connect-K8sCluster's connection is seen (every runspace of the process: ForEach-Object -Parallel and
    Start-ThreadJob; or one runspace with -Scope Runspace), -Connection from Connect-K8sCluster -PassThru or
    Get-K8sConnection, and failing fast when the server cannot be reached at all.
    The automatic connection (KUBECONFIG) is a ServiceAccount "other" on the local API server, so a command that
    falls back to it says so in its identity; the connected one is ServiceAccount "runner" through an exec plugin
    that counts its runs, so a second credential fetch (a connection made again in another runspace) shows.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:modulePath = Get-StagedModulePath
    Import-Module $script:modulePath -Force -ErrorAction Stop
    $script:server = Start-LocalApiServer -Directory $TestDrive
    $script:admin = $server.Kubeconfig

    $null = New-K8sServiceAccount -Kubeconfig $admin -Namespace default -Name other, runner
    $script:otherKubeconfig = Join-Path $TestDrive 'other.kubeconfig'
    $null = New-K8sSaKubeconfig -Kubeconfig $admin -Namespace default -ServiceAccount other -Path $otherKubeconfig
    $script:otherUser = 'system:serviceaccount:default:other'
    $script:runnerUser = 'system:serviceaccount:default:runner'

    # runner's kubeconfig with its token replaced by an exec plugin that prints it and counts its runs.
    $runnerKubeconfig = Join-Path $TestDrive 'runner.kubeconfig'
    $null = New-K8sSaKubeconfig -Kubeconfig $admin -Namespace default -ServiceAccount runner -Path $runnerKubeconfig
    $yaml = Get-Content -Raw -LiteralPath $runnerKubeconfig
    $token = [regex]::Match($yaml, '(?m)^\s+token: (\S+)\s*$').Groups[1].Value
    $script:pluginRuns = Join-Path $TestDrive 'plugin-runs.txt'
    $plugin = Join-Path $TestDrive 'plugin.sh'
    Set-Content -LiteralPath $plugin -Value @"
#!/bin/sh
echo run >> '$pluginRuns'
echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"$token"}}'
"@
    if (-not $IsWindows) { chmod +x $plugin }
    $script:execKubeconfig = Join-Path $TestDrive 'exec.kubeconfig'
    $exec = "`$1exec:`n`$1  apiVersion: client.authentication.k8s.io/v1`n`$1  command: $plugin`n`$1  interactiveMode: Never"
    Set-Content -LiteralPath $execKubeconfig -Value ([regex]::Replace($yaml, '(?m)^(\s+)token: \S+\s*$', $exec))

    # A server where nothing listens: port 1 on loopback refuses at once.
    $script:refusedKubeconfig = Join-Path $TestDrive 'refused.kubeconfig'
    Set-Content -LiteralPath $refusedKubeconfig -Value @'
apiVersion: v1
kind: Config
current-context: refused
clusters:
- name: refused
  cluster:
    server: https://127.0.0.1:1
- name: unresolvable
  cluster:
    server: https://no-such-host.invalid:6443
contexts:
- name: refused
  context: { cluster: refused, user: u }
- name: unresolvable
  context: { cluster: unresolvable, user: u }
users:
- name: u
  user: { token: not-a-real-token }
'@

    # The automatic connection of every runspace of this process.
    $script:savedKubeconfig = $env:KUBECONFIG
    $env:KUBECONFIG = $otherKubeconfig
}

AfterAll {
    Disconnect-K8sCluster
    $env:KUBECONFIG = $script:savedKubeconfig
    Stop-LocalApiServer -Server $script:server
    Remove-Module K8sServiceAccount -ErrorAction Ignore
}

Describe 'The session of Connect-K8sCluster in other runspaces' {
    AfterEach { Disconnect-K8sCluster }

    It 'is the automatic connection before Connect-K8sCluster' {
        (Get-K8sIdentity).User | Should -Be $otherUser
    }

    It 'is used by ForEach-Object -Parallel, with one credential fetch for all runspaces' {
        Connect-K8sCluster -Kubeconfig $execKubeconfig
        $users = 1..4 | ForEach-Object -ThrottleLimit 4 -Parallel {
            Import-Module $using:modulePath
            (Get-K8sIdentity -ErrorAction Stop).User
        }
        $users | Should -Be (@($runnerUser) * 4)
        @(Get-Content -LiteralPath $pluginRuns).Count | Should -Be 1
    }

    It 'is used by Start-ThreadJob, with the credentials already fetched' {
        Connect-K8sCluster -Kubeconfig $execKubeconfig
        $job = Start-ThreadJob {
            Import-Module $using:modulePath
            (Get-K8sIdentity -ErrorAction Stop).User
        }
        $job | Receive-Job -Wait -AutoRemoveJob -ErrorAction Stop | Should -Be $runnerUser
        # The connection and its credentials live as long as the process, not as a runspace.
        @(Get-Content -LiteralPath $pluginRuns).Count | Should -Be 1
    }

    It 'is shown by Get-K8sConnection in another runspace as Session, and why' {
        Connect-K8sCluster -Kubeconfig $admin
        $seen = 1 | ForEach-Object -Parallel {
            Import-Module $using:modulePath
            Get-K8sConnection
        }
        $seen.Source | Should -Be 'Session'
        $seen.Reason | Should -BeLike 'Connect-K8sCluster -Scope Process at *'
        $seen.KubeconfigFiles | Should -Be $admin
    }

    It 'is forgotten everywhere after Disconnect-K8sCluster' {
        Connect-K8sCluster -Kubeconfig $admin
        Disconnect-K8sCluster
        $users = 1..2 | ForEach-Object -Parallel {
            Import-Module $using:modulePath
            (Get-K8sIdentity -ErrorAction Stop).User
        }
        $users | Should -Be (@($otherUser) * 2)
        (Get-K8sIdentity).User | Should -Be $otherUser
    }

    It 'stays in its runspace with -Scope Runspace, and wins there over the process''s' {
        Connect-K8sCluster -Kubeconfig $admin
        Connect-K8sCluster -Kubeconfig $execKubeconfig -Scope Runspace
        (Get-K8sIdentity).User | Should -Be $runnerUser
        (Get-K8sConnection).Reason | Should -BeLike 'Connect-K8sCluster -Scope Runspace at *'
        $elsewhere = 1 | ForEach-Object -Parallel {
            Import-Module $using:modulePath
            Get-K8sConnection
        }
        $elsewhere.Reason | Should -BeLike 'Connect-K8sCluster -Scope Process at *'
        $elsewhere.KubeconfigFiles | Should -Be $admin
    }

    It 'is replaced, not doubled, when connecting again' {
        Connect-K8sCluster -Kubeconfig $execKubeconfig -Scope Runspace
        Connect-K8sCluster -Kubeconfig $admin
        # A new Connect-K8sCluster replaces this runspace's too: the last connect wins, as a user expects.
        (Get-K8sConnection).KubeconfigFiles | Should -Be $admin
    }
}

Describe '-Connection' {
    AfterEach { Disconnect-K8sCluster }

    It 'works in ForEach-Object -Parallel through $using:, after Disconnect-K8sCluster' {
        $connection = Connect-K8sCluster -Kubeconfig $execKubeconfig -PassThru
        Disconnect-K8sCluster
        $users = 1..3 | ForEach-Object -Parallel {
            Import-Module $using:modulePath
            (Get-K8sIdentity -Connection $using:connection -ErrorAction Stop).User
        }
        $users | Should -Be (@($runnerUser) * 3)
        (Get-K8sIdentity).User | Should -Be $otherUser
    }

    It 'takes a connection from Get-K8sConnection and beats the session' {
        Connect-K8sCluster -Kubeconfig $admin
        $other = Get-K8sConnection -Kubeconfig $otherKubeconfig
        $used = Get-K8sConnection -Connection $other
        $used.Source | Should -Be 'Parameter'
        $used.Reason | Should -BeLike '-Connection was given*'
        (Get-K8sIdentity -Connection $other).User | Should -Be $otherUser
    }

    It 'keeps -Namespace per call' {
        $connection = Get-K8sConnection -Kubeconfig $admin
        (Get-K8sConnection -Connection $connection -Namespace kube-system).Namespace | Should -Be 'kube-system'
        (Get-K8sServiceAccount -Connection $connection -Namespace default -Name runner).Name | Should -Be 'runner'
    }

    It 'with -<Other> is an error naming both' -ForEach @(
        @{ Other = 'Context'; Value = 'x' }
        @{ Other = 'Kubeconfig'; Value = 'x.yaml' }
        @{ Other = 'InCluster'; Value = $true }
    ) {
        $connection = Get-K8sConnection -Kubeconfig $admin
        $arguments = @{ Connection = $connection; $Other = $Value }
        $failure = { Get-K8sServiceAccount @arguments } |
            Should -Throw -ErrorId 'ConnectionParameterConflict,K8sServiceAccount.Commands.GetK8sServiceAccountCommand' -PassThru
        $failure.Exception.Message | Should -BeLike "*-Connection*-$Other*"
        $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'is a parameter of every command that talks to a cluster' {
        $cluster = Get-Command -Module K8sServiceAccount | Where-Object { $_.Parameters.ContainsKey('InCluster') }
        $cluster.Count | Should -BeGreaterThan 20
        $cluster | Where-Object { -not $_.Parameters.ContainsKey('Connection') } | Should -BeNullOrEmpty
        (Get-Command Get-K8sIdentity).Parameters['Connection'].ParameterType.FullName | Should -Be 'K8sServiceAccount.K8sConnectionInfo'
    }
}

Describe 'A server that cannot be reached' {
    It 'fails at once on a refused connection, with an error naming the server' {
        $script:failure = $null
        $elapsed = Measure-Command {
            try { Get-K8sServiceAccount -Kubeconfig $refusedKubeconfig -ErrorAction Stop } catch { $script:failure = $_ }
        }
        $elapsed.TotalSeconds | Should -BeLessThan 2
        $script:failure.FullyQualifiedErrorId | Should -Be 'KubernetesConnectionRefused,K8sServiceAccount.Commands.GetK8sServiceAccountCommand'
        $script:failure.CategoryInfo.Category | Should -Be 'ConnectionError'
        $script:failure.Exception.Message | Should -BeLike '*https://127.0.0.1:1*refused*'
    }

    It 'fails at once when the server''s name does not resolve' {
        $script:failure = $null
        $elapsed = Measure-Command {
            try { Get-K8sServiceAccount -Kubeconfig $refusedKubeconfig -Context unresolvable -ErrorAction Stop } catch { $script:failure = $_ }
        }
        # One lookup, never retried; the bound leaves room for a slow resolver on the machine that runs the tests.
        $elapsed.TotalSeconds | Should -BeLessThan 10
        $script:failure.FullyQualifiedErrorId | Should -Be 'KubernetesServerNameNotResolved,K8sServiceAccount.Commands.GetK8sServiceAccountCommand'
        $script:failure.Exception.Message | Should -BeLike '*no-such-host.invalid*'
    }
}

#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    New/Get/Set/Remove-K8sServiceAccount as their help examples are typed, against this file's own local API server,
    with the pipelines between them (Get | Set, Get | Remove) and -WhatIf.
    The namespaces apps and ci of the examples are created on that server, so the examples run as written.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:server = Start-TestSession -Directory $TestDrive -Namespace apps -CreateNamespace 'apps', 'ci'
}

AfterAll {
    Stop-TestSession -Server $script:server
}

Describe 'New-K8sServiceAccount' {
    It 'creates build-robot in namespace ci (help example 1)' {
        $robot = New-K8sServiceAccount -Name build-robot -Namespace ci
        $robot.Name | Should -Be 'build-robot'
        $robot.Namespace | Should -Be 'ci'
        $robot.Uid | Should -Not -BeNullOrEmpty
        (Get-K8sServiceAccount -Name build-robot -Namespace ci).Uid | Should -Be $robot.Uid
    }

    It 'creates web with a label and without token automount, in the session''s namespace (help example 2)' {
        $web = New-K8sServiceAccount -Name web -Label @{ app = 'web' } -AutomountToken $false
        $web.Namespace | Should -Be 'apps'
        $web.Labels['app'] | Should -Be 'web'
        $web.AutomountServiceAccountToken | Should -BeFalse
    }

    It 'creates names piped in, and with -Force returns those that exist (help example 3)' {
        $created = 'a', 'b' | New-K8sServiceAccount -Namespace apps -Force
        $created.Name | Should -Be @('a', 'b')
        $again = 'a', 'b' | New-K8sServiceAccount -Namespace apps -Force -WarningAction SilentlyContinue
        $again.Uid | Should -Be $created.Uid
    }

    It 'creates nothing with -WhatIf' {
        New-K8sServiceAccount -Name ghost -WhatIf | Should -BeNullOrEmpty
        { Get-K8sServiceAccount -Name ghost -ErrorAction Stop } |
            Should -Throw -ErrorId 'KubernetesNotFound,K8sServiceAccount.Commands.GetK8sServiceAccountCommand'
    }
}

Describe 'Get-K8sServiceAccount' {
    It 'lists the ServiceAccounts of kube-system (help example 1)' {
        $accounts = Get-K8sServiceAccount -Namespace kube-system
        $accounts.Name | Should -Contain 'default'
        $accounts.Namespace | Sort-Object -Unique | Should -Be 'kube-system'
    }

    It 'finds labelled ServiceAccounts in every namespace (help example 2)' {
        $null = New-K8sServiceAccount -Name payments-api -Label @{ team = 'payments' }
        $null = New-K8sServiceAccount -Name payments-job -Namespace ci -Label @{ team = 'payments' }
        $found = Get-K8sServiceAccount -AllNamespaces -LabelSelector 'team=payments'
        $found | ForEach-Object { "$($_.Namespace)/$($_.Name)" } | Sort-Object | Should -Be @('apps/payments-api', 'ci/payments-job')
    }

    It 'shows a kubectl-like table' {
        Get-K8sServiceAccount -Namespace apps | Format-Table | Out-String -Width 120 | Should -Match 'Namespace\s+Name\s+Secrets\s+Age'
    }

    It 'pipes ci-* to Remove-K8sServiceAccount -WhatIf and removes nothing (help example 3)' {
        $null = 'ci-one', 'ci-two' | New-K8sServiceAccount
        Get-K8sServiceAccount 'ci-*' | Remove-K8sServiceAccount -WhatIf
        (Get-K8sServiceAccount 'ci-*').Name | Should -Be @('ci-one', 'ci-two')
    }
}

Describe 'Set-K8sServiceAccount' {
    It 'adds a label and removes one set to $null, keeping the others (help example 1)' {
        $null = Set-K8sServiceAccount -Name web -Label @{ legacy = 'yes' }
        Set-K8sServiceAccount -Name web -Label @{ tier = 'frontend'; legacy = $null } | Should -BeNullOrEmpty
        $labels = (Get-K8sServiceAccount -Name web).Labels
        $labels['tier'] | Should -Be 'frontend'
        $labels['app'] | Should -Be 'web'
        $labels.ContainsKey('legacy') | Should -BeFalse
    }

    It 'changes every ServiceAccount Get-K8sServiceAccount pipes to it (help example 2)' {
        $changed = Get-K8sServiceAccount -Namespace ci | Set-K8sServiceAccount -AutomountToken $false -PassThru
        $changed.Name | Should -Contain 'build-robot'
        $changed.Namespace | Sort-Object -Unique | Should -Be 'ci'
        $changed.AutomountServiceAccountToken | Sort-Object -Unique | Should -BeFalse
        (Get-K8sServiceAccount -Name build-robot -Namespace ci).AutomountServiceAccountToken | Should -BeFalse
    }

    It 'changes nothing with -WhatIf' {
        Set-K8sServiceAccount -Name web -Label @{ tier = 'backend' } -WhatIf
        (Get-K8sServiceAccount -Name web).Labels['tier'] | Should -Be 'frontend'
    }

    It 'reports a missing ServiceAccount as KubernetesNotFound' {
        { Set-K8sServiceAccount -Name nosuch -Label @{ a = 'b' } -ErrorAction Stop } |
            Should -Throw -ErrorId 'KubernetesNotFound,K8sServiceAccount.Commands.SetK8sServiceAccountCommand'
    }
}

Describe 'Remove-K8sServiceAccount' {
    It 'removes build-robot from ci (help example 1)' {
        Remove-K8sServiceAccount -Name build-robot -Namespace ci -Confirm:$false | Should -BeNullOrEmpty
        { Get-K8sServiceAccount -Name build-robot -Namespace ci -ErrorAction Stop } |
            Should -Throw -ErrorId 'KubernetesNotFound,K8sServiceAccount.Commands.GetK8sServiceAccountCommand'
    }

    It 'removes what a label selector pipes to it, and only that (help example 2)' {
        $null = 'tmp-1', 'tmp-2' | New-K8sServiceAccount -Namespace ci -Label @{ temporary = 'true' }
        Get-K8sServiceAccount -Namespace ci -LabelSelector 'temporary=true' | Remove-K8sServiceAccount -Confirm:$false
        Get-K8sServiceAccount -Namespace ci -LabelSelector 'temporary=true' | Should -BeNullOrEmpty
        (Get-K8sServiceAccount -Namespace ci).Name | Should -Contain 'payments-job'
    }

    It 'refuses to remove a ServiceAccount whose uid is not -Uid' {
        { Remove-K8sServiceAccount -Name web -Uid 00000000-0000-0000-0000-000000000000 -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'KubernetesConflict,K8sServiceAccount.Commands.RemoveK8sServiceAccountCommand'
        (Get-K8sServiceAccount -Name web).Name | Should -Be 'web'
    }

    It 'removes by -Uid and returns what it removed with -PassThru' {
        $web = Get-K8sServiceAccount -Name web
        $removed = Remove-K8sServiceAccount -Name web -Uid $web.Uid -Confirm:$false -PassThru
        $removed.Uid | Should -Be $web.Uid
        Get-K8sServiceAccount -Name 'web*' | Should -BeNullOrEmpty
    }
}

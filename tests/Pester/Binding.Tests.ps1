#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    How piped objects and ServiceAccount references bind (issue 9, defects 1, 2, 3, 7 and 11), against the local API
    server: an object piped in means what it is (a piped ServiceAccount is the subject of a check, a piped context is
    the context to use), no cmdlet takes -Namespace from an object of an unrelated kind, -ServiceAccount NAMESPACE/NAME
    means that namespace unless -Namespace is given, hashtable rows are checks, and names are validated as the server
    would before any request, with an error naming the parameter.
    The session's namespace is default; the ServiceAccounts checked live in kube-public (which every server has), so
    a check made in the wrong namespace answers differently.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-Module (Get-StagedModulePath) -Force -ErrorAction Stop
    $script:server = Start-LocalApiServer -Directory $TestDrive
    $script:kubeconfig = $server.Kubeconfig
    Connect-K8sCluster -Kubeconfig $kubeconfig -Namespace default

    # A second kubeconfig whose only context, 'second', reaches the same server with namespace kube-public.
    $contextName = (Get-K8sContext -Kubeconfig $kubeconfig).Name
    $script:secondKubeconfig = Join-Path $TestDrive 'second.kubeconfig'
    (Get-Content -Raw -LiteralPath $kubeconfig) -replace "contexts:\n- name: $([regex]::Escape($contextName))\n", "contexts:`n- name: second`n" `
        -replace "(?m)^current-context: .*$", 'current-context: second' `
        -replace '(?m)^(\s+)namespace: .*$', '$1namespace: kube-public' |
        Set-Content -LiteralPath $secondKubeconfig

    $script:apps = 'kube-public'
    New-K8sServiceAccount -Name web-1, web-2 -Namespace $apps | Out-Null
    # web-1 may delete secrets in its own namespace, and list configmaps in default.
    Grant-K8sPermission -ServiceAccount "$apps/web-1" -Verb delete -Resource secrets -Namespace $apps | Out-Null
    Grant-K8sPermission -ServiceAccount "$apps/web-1" -Verb list -Resource configmaps -Namespace default | Out-Null
}

AfterAll {
    Disconnect-K8sCluster
    Stop-LocalApiServer -Server $script:server
    Remove-Module K8sServiceAccount -ErrorAction Ignore
}

Describe 'A piped ServiceAccount is the subject of a check (defect 1)' {
    It 'checks each piped ServiceAccount in its own namespace, not the caller' {
        $results = Get-K8sServiceAccount 'web-*' -Namespace $apps | Test-K8sPermission delete secrets | Sort-Object Subject
        $results.Subject | Should -Be "system:serviceaccount:$($apps):web-1", "system:serviceaccount:$($apps):web-2"
        $results.Namespace | Should -Be $apps, $apps
        $results.Allowed | Should -Be $true, $false
        # The ServiceAccount's name is not the object name of the check.
        $results.Name | Should -Be '', ''
    }

    It 'takes -Name from the command line, and -Namespace from it over the ServiceAccount''s own' {
        $result = Get-K8sServiceAccount web-1 -Namespace $apps | Test-K8sPermission list configmaps -Name settings -Namespace default
        $result.Subject | Should -Be "system:serviceaccount:$($apps):web-1"
        $result.Namespace | Should -Be default
        $result.Name | Should -Be settings
        $result.Allowed | Should -BeTrue
    }

    It 'lists the same rules for a piped ServiceAccount as for -ServiceAccount NAMESPACE/NAME (every scope)' {
        $given = Get-K8sPermission -ServiceAccount "$apps/web-1"
        $piped = Get-K8sServiceAccount web-1 -Namespace $apps | Get-K8sPermission
        $given.Scope | Should -Contain default
        $given.Scope | Should -Contain $apps
        ($piped | ForEach-Object Rule) | Should -Be ($given | ForEach-Object Rule)
        $piped[0].Subject | Should -Be "system:serviceaccount:$($apps):web-1"
    }

    It 'still binds a piped permission row by property name' {
        $row = [pscustomobject]@{ Verb = 'delete'; Resource = 'secrets'; Name = 'db'; Namespace = $apps }
        $result = $row | Test-K8sPermission -ServiceAccount "$apps/web-1"
        $result.Name | Should -Be db
        $result.Namespace | Should -Be $apps
        $result.Allowed | Should -BeTrue
    }

    It 'grants to and revokes from each piped ServiceAccount, in its own namespace' {
        $grants = Get-K8sServiceAccount 'web-*' -Namespace $apps | Grant-K8sPermission -Verb watch -Resource pods -Name piped-watch
        $grants.Namespace | Should -Be $apps, $apps
        (Get-K8sRoleBinding piped-watch -Namespace $apps).Subjects.Name | Sort-Object | Should -Be web-1, web-2
        (Test-K8sPermission watch pods -ServiceAccount "$apps/web-2").Allowed | Should -BeTrue
        Get-K8sServiceAccount 'web-*' -Namespace $apps | Revoke-K8sPermission -Name piped-watch -Confirm:$false | Out-Null
        (Test-K8sPermission watch pods -ServiceAccount "$apps/web-2").Allowed | Should -BeFalse
    }

    It 'refuses a piped ServiceAccount together with -ServiceAccount' {
        $errors = $null
        Get-K8sServiceAccount web-1 -Namespace $apps | Test-K8sPermission get pods -ServiceAccount "$apps/web-2" -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        "$($errors[0])" | Should -Match 'ServiceAccount'
    }
}

Describe 'A piped context is the context to use; -Namespace is not taken from unrelated objects (defect 2)' {
    AfterEach { Connect-K8sCluster -Kubeconfig $kubeconfig -Namespace default }

    It 'connects to the piped context and its kubeconfig file' {
        $connection = Get-K8sContext second -Kubeconfig $secondKubeconfig | Connect-K8sCluster -PassThru
        $connection.Context | Should -Be second
        $connection.Namespace | Should -Be kube-public
        (Get-K8sConnection).Context | Should -Be second
    }

    It 'does not take -Namespace from a piped object of another kind' {
        $account = Get-K8sServiceAccount web-1 -Namespace $apps
        { $account | Get-K8sRbacSnapshot -ErrorAction Stop } | Should -Throw -ErrorId 'InputObjectNotBound,*'
        { Get-K8sContext second -Kubeconfig $secondKubeconfig | Get-K8sIdentity -ErrorAction Stop } | Should -Throw -ErrorId 'InputObjectNotBound,*'
    }

    It 'still works on each piped ServiceAccount in its own namespace' {
        New-K8sServiceAccount -Name gone-1 -Namespace $apps | Out-Null
        New-K8sServiceAccount -Name gone-1 | Out-Null
        Get-K8sServiceAccount gone-1 -Namespace $apps | Set-K8sServiceAccount -Label @{ tier = 'x' } -PassThru |
            ForEach-Object Namespace | Should -Be $apps
        Get-K8sServiceAccount gone-1 -Namespace $apps | Remove-K8sServiceAccount -Confirm:$false
        { Get-K8sServiceAccount gone-1 -Namespace $apps -ErrorAction Stop } | Should -Throw
        (Get-K8sServiceAccount gone-1).Namespace | Should -Be default
        Remove-K8sServiceAccount gone-1 -Confirm:$false
    }
}

Describe '-ServiceAccount NAMESPACE/NAME means that namespace unless -Namespace is given (defect 3)' {
    It 'grants in the ServiceAccount''s namespace, and Test-K8sPermission checks there' {
        $grant = Grant-K8sPermission "$apps/web-2" -Verb get -Resource configmaps
        $grant.Namespace | Should -Be $apps
        $check = Test-K8sPermission get configmaps -ServiceAccount "$apps/web-2"
        $check.Namespace | Should -Be $apps
        $check.Allowed | Should -BeTrue
        (Test-K8sPermission get configmaps -ServiceAccount "$apps/web-2" -Namespace default).Allowed | Should -BeFalse
        $revoke = Revoke-K8sPermission "$apps/web-2" -Confirm:$false
        $revoke.Namespace | Should -Be $apps
    }

    It 'gets a token and a kubeconfig for NAMESPACE/NAME in that namespace' {
        $token = Get-K8sSaToken "$apps/web-1"
        $token.Namespace | Should -Be $apps
        $token.ServiceAccount | Should -Be web-1
        New-K8sSaKubeconfig "$apps/web-1" -AsPlainText | Should -Match "namespace: $apps"
    }
}

Describe 'Hashtable rows are checks (defect 7)' {
    It 'checks a piped hashtable row as it checks an object row' {
        $results = @{ Verb = 'delete'; Resource = 'secrets' }, @{ Verb = 'get'; Resource = 'pods'; Namespace = 'default' } |
            Test-K8sPermission -ServiceAccount "$apps/web-1" | Sort-Object Namespace -Descending
        $results.Allowed | Should -Be $true, $false
        $results.Namespace | Should -Be $apps, default
    }

    It 'answers Get-K8sPermissionSubject for a hashtable row' {
        $holders = @{ Verb = 'delete'; Resource = 'secrets'; Namespace = $apps } | Get-K8sPermissionSubject
        $holders.SubjectName | Should -Contain web-1
    }

    It 'refuses a key that names no parameter, naming it' {
        $errors = $null
        @{ Verbs = 'get'; Resource = 'pods' } | Test-K8sPermission -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        "$($errors[0])" | Should -Match 'Verbs'
    }
}

Describe 'Names are validated before any request, naming the parameter (defect 11)' {
    It 'refuses a namespace that is not a DNS-1123 label, in every cmdlet' {
        { Test-K8sPermission get pods -Namespace 'No_Such!' -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
        { Get-K8sServiceAccount -Namespace 'No_Such!' -ErrorAction Stop } | Should -Throw '*Namespace*'
        { Get-K8sRole -Namespace 'No_Such!' -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
    }

    It 'refuses a ServiceAccount name that is not a DNS-1123 subdomain' {
        { Get-K8sSaToken 'Web_1' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidServiceAccount*'
        { Remove-K8sServiceAccount 'Web_1' -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
        { Get-K8sServiceAccount 'Web_1' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidServiceAccountName,*'
        { Get-K8sServiceAccount 'Web_*' -ErrorAction Stop } | Should -Not -Throw
    }

    It 'reports a ServiceAccount that does not exist in Compare-K8sPermission' {
        { Compare-K8sPermission "$apps/web-1" "$apps/no-such" -ErrorAction Stop } | Should -Throw -ErrorId 'KubernetesNotFound,*'
    }

    It 'warns that a ServiceAccount does not exist in Get-K8sPermission' {
        $warnings = $null
        Get-K8sPermission -ServiceAccount "$apps/no-such" -WarningVariable warnings -WarningAction SilentlyContinue | Out-Null
        "$warnings" | Should -Match 'no-such'
    }
}

#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    The permission cmdlets (Grant/Revoke-K8sPermission, Test-K8sPermission, Get-K8sPermission,
    Get-K8sPermissionSubject, Compare-K8sPermission, Get-K8sRbacSnapshot) as their help examples are typed, against
    this file's own local API server and against policy files in TestDrive: Import-Csv | Test-K8sPermission, live and
    on a snapshot, Get-K8sServiceAccount | Get-K8sPermission, and -WhatIf. The namespaces apps and ci of the examples
    are created on that server.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:server = Start-TestSession -Directory $TestDrive -Namespace apps -CreateNamespace 'apps', 'ci'
    $null = 'sample-sa', 'web', 'worker' | New-K8sServiceAccount
    $null = New-K8sServiceAccount deployer -Namespace ci

    # The files the examples name (./checks.csv, ./rbac/), relative to the current location.
    Push-Location -LiteralPath $TestDrive
    Set-Content -LiteralPath checks.csv -Value @'
ServiceAccount,Namespace,Verb,Resource
apps/web,apps,get,pods
apps/web,apps,list,pods
apps/web,apps,delete,pods
apps/worker,apps,get,configmaps
apps/web,apps,get,secrets
'@
    $null = New-Item -ItemType Directory -Path rbac
    Set-Content -LiteralPath rbac/deployer.yaml -Value @'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: deployer
rules:
- apiGroups: [""]
  resources: ["secrets", "configmaps"]
  verbs: ["get", "list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: deployer
  namespace: prod
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: deployer
subjects:
- kind: ServiceAccount
  name: deployer
  namespace: prod
'@
    Set-Content -LiteralPath rbac/ci.yaml -Value @'
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: deployer
  namespace: ci
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: deployer
subjects:
- kind: ServiceAccount
  name: deployer
  namespace: ci
'@
}

AfterAll {
    Pop-Location
    Disconnect-K8sCluster
    Stop-LocalApiServer -Server $script:server
    Remove-Module K8sServiceAccount -ErrorAction Ignore
}

Describe 'Grant-K8sPermission' {
    It 'grants get/update on deployments and deployments/scale to sample-sa (help example 1)' {
        $grant = Grant-K8sPermission -ServiceAccount apps/sample-sa -Verb get,update -Resource deployments,deployments/scale -ApiGroup apps,extensions
        $grant.Subject | Should -Be 'system:serviceaccount:apps:sample-sa'
        $grant.Namespace | Should -Be 'apps'
        $grant.RoleKind | Should -Be 'Role'
        $grant.RoleAction | Should -Be 'Created'
        (Get-K8sRoleBinding -Name $grant.Name).Subjects.Name | Should -Be 'sample-sa'
    }

    It 'grants a non-resource URL cluster-wide (help example 2)' {
        $grant = Grant-K8sPermission apps/sample-sa -Verb get -NonResourceUrl /healthz -ClusterWide
        $grant.RoleKind | Should -Be 'ClusterRole'
        $grant.BindingKind | Should -Be 'ClusterRoleBinding'
        $grant.Namespace | Should -BeNullOrEmpty
        $grant.ChangedRules.NonResourceUrls | Should -Be '/healthz'
    }

    It 'grants pods to web and worker, and nothing with -WhatIf' {
        $null = Grant-K8sPermission apps/web -Verb get,list -Resource pods
        $null = Grant-K8sPermission apps/worker -Verb get -Resource configmaps
        Grant-K8sPermission apps/web -Verb delete -Resource pods -WhatIf | Should -BeNullOrEmpty
        Test-K8sPermission delete pods -ServiceAccount apps/web -Quiet | Should -BeFalse
    }

    It 'lists the Roles it made in every namespace (help example 2 of Get-K8sRole)' {
        $roles = Get-K8sRole 'k8ssa-grant:*' -AllNamespaces
        $roles.Name | Sort-Object | Should -Be @('k8ssa-grant:apps:sample-sa', 'k8ssa-grant:apps:web', 'k8ssa-grant:apps:worker')
        $roles.Namespace | Sort-Object -Unique | Should -Be 'apps'
    }
}

Describe 'Test-K8sPermission' {
    It 'checks update on deployments/scale for sample-sa (help example 1)' {
        $result = Test-K8sPermission -Verb update -Resource deployments/scale -ApiGroup apps -ServiceAccount apps/sample-sa
        $result.Allowed | Should -BeTrue
        $result.Method | Should -Be 'SubjectAccessReview'
    }

    It 'explains a denial by position and with the NAMESPACE:NAME form (help example 2)' {
        $explained = Test-K8sPermission get pods -ServiceAccount apps:sample-sa -Explain | Select-Object Allowed, Explanation
        $explained.Allowed | Should -BeFalse
        $explained.Explanation | Should -BeLike '*system:serviceaccount:apps:sample-sa*'
        (Test-K8sPermission get pods -ServiceAccount apps:web -Explain).Explanation | Should -BeLike '*RoleBinding apps/k8ssa-grant:apps:web*'
    }

    It 'checks the rows of ./checks.csv and keeps the denials (help example 3)' {
        $denied = Import-Csv ./checks.csv | Test-K8sPermission -ThrottleLimit 32 | Where-Object { -not $_.Allowed }
        # In completion order, as the help says.
        $denied | ForEach-Object { "$($_.Verb) $($_.Resource)" } | Sort-Object | Should -Be @('delete pods', 'get secrets')
        $denied.Subject | Sort-Object -Unique | Should -Be 'system:serviceaccount:apps:web'
    }

    It 'checks offline against ./rbac/ (help example 4)' {
        Test-K8sPermission -Verb delete -Resource secrets -ServiceAccount ci/deployer -Policy ./rbac/ -Quiet | Should -BeFalse
        $allowed = Test-K8sPermission -Verb get -Resource secrets -ServiceAccount ci/deployer -Namespace ci -Policy ./rbac/ -Explain
        $allowed.Allowed | Should -BeTrue
        $allowed.Method | Should -Be 'Offline'
        $allowed.GrantedBy.BindingName | Should -Be 'deployer'
    }
}

Describe 'Get-K8sRbacSnapshot' {
    It 'answers the rows of ./checks.csv locally as the server does (help example)' {
        $rbac = Get-K8sRbacSnapshot; $local = Import-Csv ./checks.csv | Test-K8sPermission -Snapshot $rbac
        $rbac.Namespace | Should -Be 'apps'
        $rbac.Roles | Should -BeGreaterThan 0
        $local.Method | Sort-Object -Unique | Should -Be 'LocalRbac'
        # Results come in completion order: compare them by row.
        $answers = { $args[0] | ForEach-Object { "$($_.Subject) $($_.Verb) $($_.Resource) $($_.Allowed)" } | Sort-Object }
        $expected = & $answers (Import-Csv ./checks.csv | Test-K8sPermission)
        & $answers $local | Should -Be $expected
        ($local | Where-Object Allowed).Count | Should -Be 3
    }
}

Describe 'Get-K8sPermission' {
    It 'lists the connection''s own rules (help example 1)' {
        $own = Get-K8sPermission
        $own | Where-Object { $_.Verbs -contains '*' -and $_.Resources -contains '*' } | Should -Not -BeNullOrEmpty
        $own.Incomplete | Should -Not -Contain $true
    }

    It 'lists the rules of sample-sa with the binding that grants each (help example 2)' {
        $rules = Get-K8sPermission -ServiceAccount apps/sample-sa
        $scaler = $rules | Where-Object { $_.Resources -contains 'deployments/scale' }
        $scaler.Scope | Should -Be 'apps'
        $scaler.BindingKind | Should -Be 'RoleBinding'
        $scaler.BindingName | Should -Be 'k8ssa-grant:apps:sample-sa'
        $rules | Format-Table | Out-String -Width 200 | Should -Match '(?m)^apps\s+get, update\s+apps\s+deployments\s+k8ssa-grant:apps:'
    }

    It 'lists the rules of each ServiceAccount Get-K8sServiceAccount pipes to it (help example 3)' {
        $rules = Get-K8sServiceAccount -Namespace apps | Get-K8sPermission
        $rules.Subject | Sort-Object -Unique | Should -Be @(
            'system:serviceaccount:apps:default', 'system:serviceaccount:apps:sample-sa',
            'system:serviceaccount:apps:web', 'system:serviceaccount:apps:worker')
        ($rules | Where-Object { $_.Resources -contains 'configmaps' }).Subject | Should -Be 'system:serviceaccount:apps:worker'
    }
}

Describe 'Get-K8sPermissionSubject' {
    It 'names who may scale deployments in apps (help example 1)' {
        $subjects = Get-K8sPermissionSubject -Verb update -Resource deployments/scale -ApiGroup apps -Namespace apps
        ($subjects | Where-Object SubjectKind -eq ServiceAccount).SubjectName | Should -Be 'sample-sa'
        ($subjects | Where-Object SubjectName -eq sample-sa).BindingName | Should -Be 'k8ssa-grant:apps:sample-sa'
    }

    It 'names the ServiceAccounts that may get secrets anywhere, by position (help example 2)' {
        Get-K8sPermissionSubject get secrets -AllNamespaces | Where-Object SubjectKind -eq ServiceAccount | Should -BeNullOrEmpty
        # -AllNamespaces asks at cluster scope, so only a cluster-wide grant counts.
        $null = Grant-K8sPermission ci/deployer -Verb get -Resource secrets -ClusterWide
        $readers = Get-K8sPermissionSubject get secrets -AllNamespaces | Where-Object SubjectKind -eq ServiceAccount
        "$($readers.SubjectNamespace)/$($readers.SubjectName)" | Should -Be 'ci/deployer'
    }
}

Describe 'Compare-K8sPermission' {
    It 'shows what web may do that worker may not, and the reverse (help example 1)' {
        $differences = Compare-K8sPermission -ReferenceServiceAccount apps/web -DifferenceServiceAccount apps/worker
        ($differences | Where-Object SideIndicator -eq '<=').Resource | Sort-Object -Unique | Should -Be 'pods'
        ($differences | Where-Object SideIndicator -eq '=>').Resource | Should -Be 'configmaps'
    }

    It 'compares two ServiceAccounts by position in the policy files of ./rbac/ (help example 2)' {
        $differences = Compare-K8sPermission prod/deployer staging/deployer -Policy ./rbac/
        $differences.SideIndicator | Sort-Object -Unique | Should -Be '<='
        $differences.Resource | Sort-Object -Unique | Should -Be @('configmaps', 'secrets')
        $differences.Scope | Sort-Object -Unique | Should -Be 'prod'
    }
}

Describe 'Revoke-K8sPermission' {
    It 'revokes what help example 1 of Grant-K8sPermission granted (help example 1)' {
        $revoked = Revoke-K8sPermission -ServiceAccount apps/sample-sa -Verb get,update -Resource deployments,deployments/scale -ApiGroup apps,extensions -Confirm:$false
        $revoked.RoleAction | Should -Be 'Deleted'
        Test-K8sPermission update deployments/scale -ServiceAccount apps/sample-sa -Quiet | Should -BeFalse
    }

    It 'revokes everything granted to web, and nothing with -WhatIf (help example 2)' {
        Revoke-K8sPermission apps/web -WhatIf | Should -BeNullOrEmpty
        Test-K8sPermission list pods -ServiceAccount apps/web -Quiet | Should -BeTrue
        $revoked = Revoke-K8sPermission apps/web -Confirm:$false
        $revoked.BindingAction | Should -Be 'Deleted'
        Test-K8sPermission list pods -ServiceAccount apps/web -Quiet | Should -BeFalse
        Get-K8sRole 'k8ssa-grant:apps:web' -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}

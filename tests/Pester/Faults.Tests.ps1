#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Reliability under injected faults (issue 11): a multi-object write whose later step fails rolls back what it made,
    and when the rollback fails too, the error names what was left behind. Faults are set on this file's own local API
    server through PUT /admin/faults (failRequests makes one step fail deterministically).
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:server = Start-TestSession -Directory $TestDrive -Namespace faults -CreateNamespace 'faults'
    $script:rbac = '/apis/rbac.authorization.k8s.io/v1/namespaces/faults'
    function Set-Faults([hashtable] $Settings) { $null = Invoke-TestServerRequest -Server $script:server -Method Put -Path /admin/faults -Body $Settings }
    function Test-ServerObject([string] $Path) {
        try { $null = Invoke-TestServerRequest -Server $script:server -Method Get -Path $Path; $true }
        catch { if ($_.Exception.Response.StatusCode -eq 404) { $false } else { throw } }
    }
}

AfterAll {
    Stop-TestSession -Server $script:server
}

Describe 'Grant-K8sPermission rollback (defect 6)' {
    AfterEach { Set-Faults @{} }

    It 'deletes the Role it created when the RoleBinding cannot be written' {
        Set-Faults @{ failRequests = @("POST $script:rbac/rolebindings") }
        { Grant-K8sPermission rb-ok -Verb get -Resource pods -ErrorAction Stop } | Should -Throw
        Set-Faults @{}
        Test-ServerObject "$script:rbac/roles/k8ssa-grant:faults:rb-ok" | Should -BeFalse
    }

    It 'names the Role left behind, with a stable id, when the rollback delete fails too' {
        Set-Faults @{ failRequests = @("POST $script:rbac/rolebindings", "DELETE $script:rbac/roles/") }
        $err = $null
        Grant-K8sPermission rb-left -Verb get -Resource pods -ErrorVariable err -ErrorAction SilentlyContinue
        Set-Faults @{}
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -Be 'KubernetesPartialWriteLeftBehind,K8sServiceAccount.Commands.GrantK8sPermissionCommand'
        $err[0].Exception.Message | Should -Match "Role 'k8ssa-grant:faults:rb-left' in namespace 'faults' this command created was left behind"
        $err[0].Exception.Message | Should -Match 'InternalError|injected fault'
        Test-ServerObject "$script:rbac/roles/k8ssa-grant:faults:rb-left" | Should -BeTrue
    }
}

Describe 'A write whose connection drops after the server applied it (defect 9)' {
    BeforeAll { $script:core = '/api/v1/namespaces/faults' }
    AfterEach { Set-Faults @{} }

    It 'New-K8sServiceAccount reads the object back and reports the create that happened as done' {
        Set-Faults @{ dropAfterApply = @("POST $script:core/serviceaccounts") }
        $err = $null
        $sa = New-K8sServiceAccount dropped-create -Label @{ team = 'faults' } -ErrorVariable err -ErrorAction SilentlyContinue
        Set-Faults @{}
        $err | Should -HaveCount 0
        $sa.Name | Should -Be 'dropped-create'
        $sa.Uid | Should -Not -BeNullOrEmpty
        (Invoke-TestServerRequest -Server $script:server -Method Get -Path "$script:core/serviceaccounts/dropped-create").metadata.uid | Should -Be $sa.Uid
    }

    It 'never claims a ServiceAccount someone else made: a namesake that differs is KubernetesAlreadyExists' {
        $null = New-TestServerObject -Server $script:server -Path "$script:core/serviceaccounts" -Object @{
            apiVersion = 'v1'; kind = 'ServiceAccount'; metadata = @{ name = 'theirs'; labels = @{ owner = 'someone-else' } } }
        Set-Faults @{ dropAfterApply = @("POST $script:core/serviceaccounts") }
        $err = $null
        $sa = New-K8sServiceAccount theirs -ErrorVariable err -ErrorAction SilentlyContinue
        Set-Faults @{}
        $sa | Should -BeNullOrEmpty
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -Be 'KubernetesAlreadyExists,K8sServiceAccount.Commands.NewK8sServiceAccountCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        $err[0].Exception.Message | Should -Match 'not made by this command'
    }

    It 'Remove-K8sServiceAccount reads back: gone means deleted' {
        $null = New-K8sServiceAccount dropped-delete
        Set-Faults @{ dropAfterApply = @("DELETE $script:core/serviceaccounts/dropped-delete") }
        $err = $null
        Remove-K8sServiceAccount dropped-delete -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        Set-Faults @{}
        $err | Should -HaveCount 0
        Test-ServerObject "$script:core/serviceaccounts/dropped-delete" | Should -BeFalse
    }

    It 'Grant-K8sPermission completes when the connections of both creates drop after they were applied' {
        Set-Faults @{ dropAfterApply = @("POST $script:rbac/roles", "POST $script:rbac/rolebindings") }
        $err = $null
        $grant = Grant-K8sPermission dropped-grant -Verb get -Resource pods -ErrorVariable err -ErrorAction SilentlyContinue
        Set-Faults @{}
        $err | Should -HaveCount 0
        $grant.RoleAction | Should -Be 'Created'
        $grant.BindingAction | Should -Be 'Created'
        Test-ServerObject "$script:rbac/rolebindings/k8ssa-grant:faults:dropped-grant" | Should -BeTrue
    }

    It 'Set-K8sServiceAccount reads back: a changed object holding what was sent means updated' {
        $null = New-K8sServiceAccount dropped-update
        Set-Faults @{ dropAfterApply = @("PUT $script:core/serviceaccounts/dropped-update") }
        $err = $null
        Set-K8sServiceAccount dropped-update -Label @{ a = 'b' } -ErrorVariable err -ErrorAction SilentlyContinue
        Set-Faults @{}
        $err | Should -HaveCount 0
        (Invoke-TestServerRequest -Server $script:server -Method Get -Path "$script:core/serviceaccounts/dropped-update").metadata.labels.a | Should -Be 'b'
    }

    It 'a change that cannot be reconciled (a patch) is KubernetesWriteOutcomeUnknown, saying it may or may not have been applied' {
        $null = New-TestServerObject -Server $script:server -Path '/apis/apps/v1/namespaces/faults/deployments' -Object @{
            apiVersion = 'apps/v1'; kind = 'Deployment'; metadata = @{ name = 'dropped-patch' }
            spec = @{ selector = @{ matchLabels = @{ app = 'p' } }; template = @{ metadata = @{ labels = @{ app = 'p' } }; spec = @{ containers = @(@{ name = 'app'; image = 'nginx:1.25' }) } } }
        }
        Set-Faults @{ dropAfterApply = @('PATCH /apis/apps/v1/namespaces/faults/deployments/dropped-patch') }
        $err = $null
        Set-K8sWorkloadServiceAccount deployment/dropped-patch -ServiceAccount other-sa -Force -ErrorVariable err -ErrorAction SilentlyContinue
        Set-Faults @{}
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -Be 'KubernetesWriteOutcomeUnknown,K8sServiceAccount.Commands.SetK8sWorkloadServiceAccountCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        $err[0].Exception.Message | Should -Match '^PATCH https://\S+/deployments/dropped-patch'
        $err[0].Exception.Message | Should -Match 'may or may not have been applied'
    }
}

Describe 'Revoke-K8sPermission names what it left behind (issue 11)' {
    AfterEach { Set-Faults @{} }

    It 'wraps a failed Role delete after the RoleBinding delete as KubernetesPartialWriteLeftBehind' {
        $null = Grant-K8sPermission rv-left -Verb get -Resource pods
        Set-Faults @{ failRequests = @("DELETE $script:rbac/roles/") }
        $err = $null
        Revoke-K8sPermission rv-left -Force -ErrorVariable err -ErrorAction SilentlyContinue
        Set-Faults @{}
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -Be 'KubernetesPartialWriteLeftBehind,K8sServiceAccount.Commands.RevokeK8sPermissionCommand'
        $err[0].CategoryInfo.Category | Should -Be 'WriteError'
        $err[0].TargetObject | Should -Be 'Role/faults/k8ssa-grant:faults:rv-left'
        $err[0].Exception.Message | Should -Match "Role 'k8ssa-grant:faults:rv-left' in namespace 'faults' .*was left behind"
        Test-ServerObject "$script:rbac/rolebindings/k8ssa-grant:faults:rv-left" | Should -BeFalse
        Test-ServerObject "$script:rbac/roles/k8ssa-grant:faults:rv-left" | Should -BeTrue
    }
}

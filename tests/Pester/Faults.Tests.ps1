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

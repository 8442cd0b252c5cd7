#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Tokens and grants, finished (issue 14): Revoke-K8sPermission removes exactly what it is asked for (rule subtraction),
    legacy token Secrets can be listed with their last use and removed, and Get-K8sPermission falls back to
    SelfSubjectRulesReview (impersonating the ServiceAccount) when the caller may not list RBAC objects. Against the local
    API server (tests/K8sServiceAccount.LocalApiServer), through the staged module.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:ns = 'tokens-grants'
    $script:server = Start-TestSession -Directory $TestDrive -Namespace $script:ns -CreateNamespace $script:ns
    $script:kubeconfig = $server.Kubeconfig

    # Runs a script in a -NonInteractive child pwsh connected to the same server; its output (host output too) as text.
    function Invoke-Child([string] $Script) {
        $file = Join-Path $TestDrive ('child-{0}.ps1' -f [guid]::NewGuid())
        $prelude = "Import-Module '$(Get-StagedModulePath)' -ErrorAction Stop`nConnect-K8sCluster -Kubeconfig '$($script:kubeconfig)' -Namespace $($script:ns)`n"
        Set-Content -LiteralPath $file -Value ($prelude + $Script)
        (Invoke-ChildPwsh -File $file 2>&1) | Out-String
    }

    function Get-RuleText([string] $Role) {
        @((Get-K8sRole -Name $Role).Rules | ForEach-Object { $_.ToString() })
    }
}

AfterAll {
    Stop-TestSession -Server $script:server
}

Describe 'Revoke-K8sPermission removes exactly the permissions asked for' {
    BeforeAll {
        $null = New-K8sServiceAccount -Name revoker
        $script:role = "k8ssa-grant:$($ns):revoker"
    }

    It 'revoking list from a rule that grants get and list leaves get' {
        $null = Grant-K8sPermission -ServiceAccount revoker -Verb get, list -Resource pods
        $result = Revoke-K8sPermission -ServiceAccount revoker -Verb list -Resource pods -Force -WarningVariable warnings
        $result.RoleAction | Should -Be 'Updated'
        $warnings | Should -BeNullOrEmpty
        Get-RuleText $role | Should -Be '{APIGroups:[""], Resources:["pods"], Verbs:["get"]}'
        Test-K8sPermission -ServiceAccount revoker -Verb get -Resource pods -Quiet | Should -BeTrue
        Test-K8sPermission -ServiceAccount revoker -Verb list -Resource pods -Quiet | Should -BeFalse
    }

    It 'splits rules, keeps the rules that do not overlap, and deletes the role and binding Grant made once empty' {
        $null = Grant-K8sPermission -ServiceAccount revoker -Verb get, list -Resource secrets, configmaps
        $null = Grant-K8sPermission -ServiceAccount revoker -Verb get -NonResourceUrl /healthz, /metrics -ClusterWide
        $null = Revoke-K8sPermission -ServiceAccount revoker -Verb list -Resource secrets -Force
        Get-RuleText $role | Should -Be @(
            '{APIGroups:[""], Resources:["pods"], Verbs:["get"]}'
            '{APIGroups:[""], Resources:["secrets" "configmaps"], Verbs:["get"]}'
            '{APIGroups:[""], Resources:["configmaps"], Verbs:["list"]}')

        $urls = Revoke-K8sPermission -ServiceAccount revoker -Verb get -NonResourceUrl /metrics -ClusterWide -Force
        $urls.RoleAction | Should -Be 'Updated'
        @((Get-K8sClusterRole -Name $urls.Name).Rules | ForEach-Object ToString) | Should -Be '{NonResourceURLs:["/healthz"], Verbs:["get"]}'
        (Revoke-K8sPermission -ServiceAccount revoker -Verb get -NonResourceUrl /healthz -ClusterWide -Force).RoleAction | Should -Be 'Deleted'

        $gone = Revoke-K8sPermission -ServiceAccount revoker -Verb get, list -Resource pods, secrets, configmaps -Force
        $gone.RoleAction, $gone.BindingAction | Should -Be 'Deleted', 'Deleted'
    }

    It 'cannot narrow a wildcard: an error with a stable id, and nothing changes' {
        $null = Grant-K8sPermission -ServiceAccount revoker -Verb '*' -Resource pods
        $err = $null
        $out = Revoke-K8sPermission -ServiceAccount revoker -Verb list -Resource pods -Force -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'RevokeWildcardRule,K8sServiceAccount.Commands.RevokeK8sPermissionCommand'
        $err[0].Exception.Message | Should -BeLike '*grants verbs `*, and*cannot be written as RBAC rules*Nothing was changed*'
        Get-RuleText $role | Should -Be '{APIGroups:[""], Resources:["pods"], Verbs:["*"]}'
        { Revoke-K8sPermission -ServiceAccount revoker -Verb list -Resource pods -Force -ErrorAction Stop } |
            Should -Throw -ErrorId 'RevokeWildcardRule,*'
        # The wildcard rule revoked as written goes.
        (Revoke-K8sPermission -ServiceAccount revoker -Verb '*' -Resource pods -Force).RoleAction | Should -Be 'Deleted'
    }

    It 'keeps an emptied role that Grant did not make (no managed-by label)' {
        $null = New-K8sRole -Name handmade -Rule (New-K8sPolicyRule -Verb get -Resource pods)
        $result = Revoke-K8sPermission -ServiceAccount revoker -Name handmade -Verb get -Resource pods -Force
        $result.RoleAction | Should -Be 'Updated'
        (Get-K8sRole -Name handmade).Rules | Should -BeNullOrEmpty
        Remove-K8sRole -Name handmade -Force
    }

    It '-WhatIf shows the rules that would remain and changes nothing' {
        $null = Grant-K8sPermission -ServiceAccount revoker -Verb get, list, watch -Resource pods
        $output = Invoke-Child @'
Revoke-K8sPermission -ServiceAccount revoker -Verb list -Resource pods -WhatIf
Revoke-K8sPermission -ServiceAccount revoker -Verb get,list,watch -Resource pods -WhatIf
Revoke-K8sPermission -ServiceAccount revoker -Verb delete -Resource pods -WhatIf
'@
        $output | Should -Match ([regex]::Escape('What if: Performing the operation "Revoke {APIGroups:[""], Resources:["pods"], Verbs:["list"]} from system:serviceaccount:tokens-grants:revoker, leaving: {APIGroups:[""], Resources:["pods"], Verbs:["get" "watch"]}"'))
        $output | Should -BeLike '*leaving no rules*'
        $output | Should -BeLike '*grants none of it*'
        Get-RuleText $role | Should -Be '{APIGroups:[""], Resources:["pods"], Verbs:["get" "list" "watch"]}'
        $null = Revoke-K8sPermission -ServiceAccount revoker -Force
    }
}

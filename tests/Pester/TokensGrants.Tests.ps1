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

    It 'warns when rules are added to a role that Grant did not make, whose other subjects get them too' {
        $null = New-K8sRole -Name handmade-shared -Rule (New-K8sPolicyRule -Verb get -Resource pods)
        $null = New-K8sRoleBinding -Name handmade-shared -Role handmade-shared -ServiceAccount "$($ns):default"
        $result = Grant-K8sPermission -ServiceAccount revoker -Name handmade-shared -Verb get -Resource configmaps -WarningVariable warnings -WarningAction SilentlyContinue
        $result.RoleAction | Should -Be 'Updated'
        @($warnings).Count | Should -Be 1
        "$($warnings[0])" | Should -BeLike "Role $ns/handmade-shared was not made by Grant-K8sPermission*every subject its bindings bind, not only to system:serviceaccount:$($ns):revoker."
        # Granting again adds nothing, and says nothing.
        $null = Grant-K8sPermission -ServiceAccount revoker -Name handmade-shared -Verb get -Resource configmaps -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings | Should -BeNullOrEmpty
        Remove-K8sRoleBinding -Name handmade-shared -Force
        Remove-K8sRole -Name handmade-shared -Force
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

Describe 'Revoke-K8sPermission on a role several subjects share (Grant -Name)' {
    BeforeAll {
        $null = New-K8sServiceAccount -Name share-a, share-b
        $script:shared = Get-K8sServiceAccount 'share-*' | Grant-K8sPermission -Verb get -Resource configmaps -Name share-config
    }

    It 'refuses to revoke rules the other subjects get from the same role, and changes nothing' {
        $shared.Count | Should -Be 2
        { $shared[0] | Revoke-K8sPermission -Force -ErrorAction Stop } | Should -Throw -ErrorId 'RevokeSharedRole,*'
        { Revoke-K8sPermission -ServiceAccount share-a -Verb get -Resource configmaps -Name share-config -WhatIf -ErrorAction Stop } |
            Should -Throw -ErrorId 'RevokeSharedRole,*' -Because '-WhatIf says it too'
        $error[0].Exception.Message | Should -BeLike "*RoleBinding share-config to ServiceAccount $ns/share-b as well*without -Verb*"
        Test-K8sPermission get configmaps -ServiceAccount share-b -Quiet | Should -BeTrue
        Test-K8sPermission get configmaps -ServiceAccount share-a -Quiet | Should -BeTrue
    }

    It 'refuses too when another binding of the role binds someone else' {
        $null = New-K8sServiceAccount -Name share-c
        $null = New-K8sRole -Name share-handmade -Rule (New-K8sPolicyRule -Verb get -Resource pods)
        $null = New-K8sRoleBinding -Name share-team -Role share-handmade -ServiceAccount "$($ns):default"
        $null = Grant-K8sPermission -ServiceAccount share-c -Name share-handmade -Verb list -Resource secrets -WarningAction SilentlyContinue
        { Revoke-K8sPermission -ServiceAccount share-c -Name share-handmade -Verb list -Resource secrets -Force -ErrorAction Stop } |
            Should -Throw -ErrorId 'RevokeSharedRole,*'
        $error[0].Exception.Message | Should -BeLike "Role $ns/share-handmade is also bound by RoleBinding $ns/share-team to ServiceAccount $ns/default:*"
        Test-K8sPermission list secrets -ServiceAccount default -Quiet | Should -BeTrue -Because 'nothing was revoked'
        # Taking share-c out empties the binding Grant made, which goes; the role made by hand stays for share-team.
        $out = Revoke-K8sPermission -ServiceAccount share-c -Name share-handmade -Force
        ($out.BindingAction, $out.RoleAction) | Should -Be 'Deleted', 'Unchanged'
        Test-K8sPermission get pods -ServiceAccount default -Quiet | Should -BeTrue
        Remove-K8sRoleBinding -Name share-team -Force
        Remove-K8sRole -Name share-handmade -Force
    }

    It 'takes one subject out of the binding when revoked without rules, and the other keeps the role' {
        $result = Revoke-K8sPermission -ServiceAccount share-a -Name share-config -Force
        $result.BindingAction | Should -Be 'Updated'
        $result.RoleAction | Should -Be 'Unchanged'
        Test-K8sPermission get configmaps -ServiceAccount share-a -Quiet | Should -BeFalse
        Test-K8sPermission get configmaps -ServiceAccount share-b -Quiet | Should -BeTrue
        # The last subject's grant piped back is its own again: the role and binding go.
        ($shared[1] | Revoke-K8sPermission -Force).RoleAction | Should -Be 'Deleted'
        Test-K8sPermission get configmaps -ServiceAccount share-b -Quiet | Should -BeFalse
    }
}

Describe 'Legacy token hygiene: Get-K8sLegacySaToken and Remove-K8sLegacySaToken' {
    BeforeAll {
        $null = New-K8sServiceAccount -Name tok-used, tok-stale, tok-orphan
        foreach ($account in 'tok-used', 'tok-stale', 'tok-orphan') { $null = Get-K8sSaToken $account -Legacy }

        # The labels the API server keeps, set as it would (the brief's test hook: an admin PUT of the Secret).
        function Set-SecretLabel([string] $Name, [hashtable] $Labels) {
            $secret = Invoke-TestServerRequest -Server $server -Method Get -Path "/api/v1/namespaces/$ns/secrets/$Name"
            $current = @{}
            if ($secret.metadata.labels) { $secret.metadata.labels.PSObject.Properties | ForEach-Object { $current[$_.Name] = $_.Value } }
            foreach ($key in $Labels.Keys) { $current[$key] = $Labels[$key] }
            $secret.metadata | Add-Member -NotePropertyName labels -NotePropertyValue $current -Force
            $null = Invoke-TestServerRequest -Server $server -Method Put -Path "/api/v1/namespaces/$ns/secrets/$Name" -Body $secret
        }
        function Get-SecretName([string] $Account) {
            (Invoke-TestServerRequest -Server $server -Method Get -Path "/api/v1/namespaces/$ns/secrets").items |
                Where-Object { $_.metadata.annotations.'kubernetes.io/service-account.name' -eq $Account } | ForEach-Object { $_.metadata.name }
        }
        $script:today = [DateTime]::UtcNow.ToString('yyyy-MM-dd')
        Set-SecretLabel (Get-SecretName tok-used) @{ 'kubernetes.io/legacy-token-last-used' = $today }
        Set-SecretLabel (Get-SecretName tok-stale) @{ 'kubernetes.io/legacy-token-last-used' = '2025-01-15'; 'kubernetes.io/legacy-token-invalid-since' = '2025-06-01' }

        # With the token controller off, deleting a ServiceAccount leaves its token Secret behind.
        $null = Invoke-TestServerRequest -Server $server -Method Put -Path /admin/controllers -Body @{ token = $false }
        Remove-K8sServiceAccount tok-orphan -Force
    }

    AfterAll {
        $null = Invoke-TestServerRequest -Server $server -Method Put -Path /admin/controllers -Body @{ token = $true }
    }

    It 'lists each token Secret with its ServiceAccount, whether it still exists, its age and the usage labels, never the token' {
        $tokens = Get-K8sLegacySaToken
        $tokens | ForEach-Object { $_.PSObject.TypeNames[0] | Should -Be 'K8sServiceAccount.K8sLegacySaTokenInfo' }
        ($tokens.ServiceAccount | Sort-Object) | Should -Be 'tok-orphan', 'tok-stale', 'tok-used'
        $used = $tokens | Where-Object ServiceAccount -EQ tok-used
        $used.Name | Should -BeLike 'tok-used-token-*'
        $used.ServiceAccountExists | Should -BeTrue
        $used.ServiceAccountUid | Should -Be (Get-K8sServiceAccount tok-used).Uid
        $used.LastUsed | Should -Be ([DateTime]::ParseExact($today, 'yyyy-MM-dd', $null))
        $used.LastUsed.Kind | Should -Be 'Utc'
        $used.InvalidSince | Should -BeNullOrEmpty
        $used.HasToken | Should -BeTrue
        $used.Age | Should -BeOfType [TimeSpan]
        $stale = $tokens | Where-Object ServiceAccount -EQ tok-stale
        $stale.LastUsed.ToString('yyyy-MM-dd'), $stale.InvalidSince.ToString('yyyy-MM-dd') | Should -Be '2025-01-15', '2025-06-01'
        ($tokens | Where-Object ServiceAccount -EQ tok-orphan).ServiceAccountExists | Should -BeFalse
        # No property holds the token, and the view says which ServiceAccount is gone.
        ($tokens | ConvertTo-Json -Depth 3) | Should -Not -Match 'eyJ'
        ($tokens | Out-String -Width 80) | Should -Match 'tok-orphan \(gone\)'
        ($tokens | Format-List * | Out-String) | Should -Not -Match 'eyJ'
    }

    It 'filters by ServiceAccount (NAME, NAMESPACE/NAME, piped) and lists every namespace with -A' {
        (Get-K8sLegacySaToken tok-used).ServiceAccount | Should -Be 'tok-used'
        (Get-K8sLegacySaToken "$ns/tok-stale").ServiceAccount | Should -Be 'tok-stale'
        (Get-K8sServiceAccount tok-used | Get-K8sLegacySaToken).ServiceAccount | Should -Be 'tok-used'
        (Get-K8sLegacySaToken -A | Where-Object Namespace -EQ $ns).Count | Should -Be 3
        Get-K8sLegacySaToken -Namespace default | Where-Object ServiceAccount -Like 'tok-*' | Should -BeNullOrEmpty
        { Get-K8sLegacySaToken 'Not_A_Name' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidServiceAccount*,*'
    }

    It 'Remove asks for confirmation: -NonInteractive without -Force stops with ConfirmationRequired; -WhatIf deletes nothing' {
        $output = Invoke-Child @'
Get-K8sLegacySaToken tok-used | Remove-K8sLegacySaToken -WhatIf
try { Get-K8sLegacySaToken tok-used | Remove-K8sLegacySaToken; 'NOT STOPPED' } catch { 'ERROR ' + $_.FullyQualifiedErrorId }
'@
        $output | Should -BeLike '*What if: Performing the operation "Delete the legacy ServiceAccount token" on target "Secret tokens-grants/tok-used-token-*'
        $output | Should -BeLike '*ERROR ConfirmationRequired,K8sServiceAccount.Commands.RemoveK8sLegacySaTokenCommand*'
        (Get-K8sLegacySaToken tok-used).ServiceAccount | Should -Be 'tok-used'
    }

    It 'never deletes a Secret of another type' {
        $null = New-TestServerObject -Server $server -Path "/api/v1/namespaces/$ns/secrets" -Object @{ apiVersion = 'v1'; kind = 'Secret'; metadata = @{ name = 'plain' }; type = 'Opaque'; stringData = @{ a = 'b' } }
        { Remove-K8sLegacySaToken plain -Force -ErrorAction Stop } | Should -Throw -ErrorId 'NotALegacyToken,K8sServiceAccount.Commands.RemoveK8sLegacySaTokenCommand'
        (Invoke-TestServerRequest -Server $server -Method Get -Path "/api/v1/namespaces/$ns/secrets/plain").metadata.name | Should -Be 'plain'
    }

    It 'removes the tokens nobody used for 90 days as the about topic shows' {
        Get-K8sLegacySaToken -A | Where-Object LastUsed -lt (Get-Date).AddDays(-90) | Remove-K8sLegacySaToken -Force
        (Get-K8sLegacySaToken).ServiceAccount | Should -Be 'tok-used'
    }
}

#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    The permission and RBAC cmdlets against the local API server (tests/K8sServiceAccount.LocalApiServer), started as a
    process on a free port by TestServer.ps1; its admin kubeconfig (system:masters) is written to TestDrive.
    The main scenario of DESIGN.md: create ServiceAccount sample-sa, grant it get/update on deployments and
    deployments/scale in apps and extensions, check what it can and cannot do (with -Explain, as a batch of Import-Csv
    rows and as rows streamed from a slow producer), check offline against policy files, ask who can, compare, and revoke.
    The client operations behind the steps, and the escalation refusal (it needs a second, non-admin identity), are
    tested without PowerShell in tests/K8sServiceAccount.Integration.Tests/Scenarios/PermissionScenarioTests.cs.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-Module (Get-StagedModulePath) -Force -ErrorAction Stop
    $script:server = Start-LocalApiServer -Directory $TestDrive
    $script:kubeconfig = $server.Kubeconfig

    # The default namespace exists on every server, so no namespace needs creating.
    $script:ns = 'default'
    Connect-K8sCluster -Kubeconfig $script:kubeconfig -Namespace $script:ns

    $script:sa = "$($script:ns)/sample-sa"
    $script:grant = @{
        ServiceAccount = $script:sa
        Verb           = 'get', 'update'
        Resource       = 'deployments', 'deployments/scale'
        ApiGroup       = 'apps', 'extensions'
    }
}

AfterAll {
    Disconnect-K8sCluster
    Stop-LocalApiServer -Server $script:server
    Remove-Module K8sServiceAccount -ErrorAction Ignore
}

Describe 'The main permission scenario' {
    It 'creates the ServiceAccount sample-sa' {
        $account = New-K8sServiceAccount -Name sample-sa
        $account.Name | Should -Be 'sample-sa'
        $account.Namespace | Should -Be $ns
    }

    It 'grants get/update on deployments and deployments/scale in apps and extensions, idempotently' {
        $result = Grant-K8sPermission @grant
        $result.PSObject.TypeNames[0] | Should -Be 'K8sServiceAccount.K8sPermissionGrant'
        $result.Name | Should -Be "k8ssa-grant:$($ns):sample-sa"
        $result.RoleAction | Should -Be 'Created'
        $result.BindingAction | Should -Be 'Created'

        (Grant-K8sPermission @grant).Unchanged | Should -BeTrue
        (Get-K8sRole -Name $result.Name).Rules.Count | Should -Be 1
        (Get-K8sRoleBinding -Name $result.Name).Subjects.Name | Should -Be 'sample-sa'
    }

    It 'shows what sample-sa may and may not do; a denial is a result, not an error' {
        $allowed = Test-K8sPermission -Verb update -Resource deployments/scale -ApiGroup apps -ServiceAccount $sa
        $allowed.Allowed | Should -BeTrue
        $allowed.Method | Should -Be 'SubjectAccessReview'
        $allowed.Resource | Should -Be 'deployments'
        $allowed.Subresource | Should -Be 'scale'

        $denied = Test-K8sPermission -Verb delete -Resource deployments.apps -ServiceAccount ($sa -replace '/', ':') -ErrorVariable problems
        $denied.Allowed | Should -BeFalse
        $problems | Should -BeNullOrEmpty

        Test-K8sPermission -Verb update -Resource deployments/scale -ApiGroup apps -ServiceAccount $sa -Namespace kube-public -Quiet | Should -BeFalse
    }

    It 'explains which binding, role and rule grant it' {
        $explained = Test-K8sPermission -Verb update -Resource deployments/scale -ApiGroup apps -ServiceAccount $sa -Explain
        $explained.Verdict | Should -Be 'GrantedByRbac'
        $explained.GrantedBy.BindingKind | Should -Be 'RoleBinding'
        $explained.GrantedBy.BindingName | Should -Be "k8ssa-grant:$($ns):sample-sa"
        $explained.GrantedBy.RoleKind | Should -Be 'Role'

        (Test-K8sPermission -Verb delete -Resource deployments -ApiGroup apps -ServiceAccount $sa -Explain).Verdict | Should -Be 'NotGranted'
    }

    It 'checks a batch of Import-Csv rows concurrently' {
        $rows = @"
ServiceAccount,Namespace,Verb,Resource,ApiGroup
$sa,$ns,get,deployments,apps
$sa,$ns,update,deployments/scale,apps
$sa,$ns,delete,deployments,apps
$sa,$ns,get,deploy,
$sa,$ns,list,pods,
$sa,$ns,update,deployments.apps,
"@ | ConvertFrom-Csv
        $results = $rows | Test-K8sPermission -ThrottleLimit 3
        $results.Count | Should -Be 6
        ($results | Where-Object Allowed).Count | Should -Be 4
        ($results | Where-Object { -not $_.Allowed }).Verb | Sort-Object | Should -Be @('delete', 'list')

        # -Quiet: one answer per row, in input order.
        $rows | Test-K8sPermission -Quiet -ThrottleLimit 3 | Should -Be @($true, $true, $false, $true, $false, $true)
    }

    It 'checks piped rows as they arrive: results come out before the input ends' {
        # A producer that emits a row every second: the first result is written while later rows are still to come,
        # not after the last one. (The first check has until the next row to finish: a second, not a tight bound on a
        # loaded machine.)
        $events = [System.Collections.Generic.List[string]]::new()
        & {
            foreach ($verb in 'get', 'delete', 'update') {
                $events.Add("row $verb")
                [pscustomobject]@{ ServiceAccount = $sa; Namespace = $ns; Verb = $verb; Resource = 'deployments'; ApiGroup = 'apps' }
                Start-Sleep -Milliseconds 1000
            }
        } | Test-K8sPermission -ThrottleLimit 2 | ForEach-Object { $events.Add("result $($_.Verb) $($_.Allowed)") }

        $events.Count | Should -Be 6
        $events.IndexOf('result get True') | Should -BeLessThan $events.IndexOf('row update')
        $events | Should -Contain 'result delete False'
        $events | Should -Contain 'result update True'
    }

    It 'checks offline against policy files without touching a connection' {
        $policy = Join-Path $TestDrive 'policy.yaml'
        Set-Content -LiteralPath $policy -Value @"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: deploy-scaler
  namespace: $ns
rules:
- apiGroups: ["apps", "extensions"]
  resources: ["deployments", "deployments/scale"]
  verbs: ["get", "update"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: sample-sa-scaler
  namespace: $ns
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: deploy-scaler
subjects:
- kind: ServiceAccount
  name: sample-sa
  namespace: $ns
"@
        # A kubeconfig that does not exist proves no connection is resolved.
        $missing = Join-Path $TestDrive 'no-such-kubeconfig'
        $offline = Test-K8sPermission -Verb update -Resource deployments/scale -ApiGroup apps -ServiceAccount $sa -Namespace $ns -Policy $policy -Kubeconfig $missing
        $offline.Allowed | Should -BeTrue
        $offline.Method | Should -Be 'Offline'
        Test-K8sPermission -Verb delete -Resource deployments -ApiGroup apps -ServiceAccount $sa -Namespace $ns -Policy $policy -Kubeconfig $missing -Quiet | Should -BeFalse

        # The same documents as objects already in the session (ConvertFrom-Json output).
        $role = '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"scaler"},"rules":[{"apiGroups":["apps"],"resources":["deployments/scale"],"verbs":["update"]}]}' | ConvertFrom-Json
        $binding = '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"scaler"},"roleRef":{"kind":"Role","name":"scaler"},"subjects":[{"kind":"ServiceAccount","name":"sample-sa"}]}' | ConvertFrom-Json
        Test-K8sPermission -Verb update -Resource deployments/scale -ApiGroup apps -ServiceAccount $sa -Namespace $ns -Policy $role, $binding -Kubeconfig $missing -Quiet | Should -BeTrue
        $role.metadata | Add-Member -NotePropertyName namspace -NotePropertyValue $ns
        { Test-K8sPermission -Verb get -Resource pods -ServiceAccount $sa -Policy $role -Kubeconfig $missing -ErrorAction Stop } | Should -Throw -ErrorId 'RbacDocumentInvalid,K8sServiceAccount.Commands.TestK8sPermissionCommand'
    }

    It 'answers who can, and how two ServiceAccounts differ' {
        $holders = Get-K8sPermissionSubject -Verb update -Resource deployments/scale -ApiGroup apps
        ($holders | Where-Object SubjectKind -eq 'ServiceAccount').SubjectName | Should -Contain 'sample-sa'
        $holders.SubjectName | Should -Contain 'system:masters'

        # Both must exist: a ServiceAccount that does not is a KubernetesNotFound error (Binding.Tests.ps1).
        New-K8sServiceAccount -Name other | Out-Null
        $differences = Compare-K8sPermission -ReferenceServiceAccount $sa -DifferenceServiceAccount "$ns/other" -Namespace $ns
        $differences | Where-Object { $_.SideIndicator -eq '<=' -and $_.Verb -eq 'update' -and $_.ApiGroup -eq 'extensions' -and $_.Resource -eq 'deployments/scale' } | Should -Not -BeNullOrEmpty
        $differences | Where-Object SideIndicator -eq '=>' | Where-Object Scope -eq $ns | Should -BeNullOrEmpty
        Remove-K8sServiceAccount other -Confirm:$false
    }

    It 'revokes what was granted, after which the check is denied' {
        $revoked = Revoke-K8sPermission @grant -Confirm:$false
        $revoked.RoleAction | Should -Be 'Deleted'
        $revoked.BindingAction | Should -Be 'Deleted'
        Test-K8sPermission -Verb update -Resource deployments/scale -ApiGroup apps -ServiceAccount $sa -Quiet | Should -BeFalse
        Get-K8sRole -Name 'k8ssa-grant:*' | Should -BeNullOrEmpty
    }
}

Describe 'Rules, roles and bindings' {
    It 'builds rules with kubectl''s checks and refuses bad ones with a stable id' {
        $rule = New-K8sPolicyRule -Verb get, update -Resource deployments, deployments/scale -ApiGroup apps, extensions
        $rule.ApiGroups | Should -Be @('apps', 'extensions')
        { New-K8sPolicyRule -Verb get -NonResourceUrl 'healthz' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidNonResourceUrl,K8sServiceAccount.Commands.NewK8sPolicyRuleCommand'
    }

    It 'creates, gets and removes a Role and a RoleBinding' {
        $rule = New-K8sPolicyRule -Verb get, list -Resource pods
        New-K8sRole -Name pod-reader -Rule $rule | Select-Object -ExpandProperty Kind | Should -Be 'Role'
        New-K8sRoleBinding -Name pod-reader -Role pod-reader -ServiceAccount "$($ns):sample-sa" | Select-Object -ExpandProperty RoleName | Should -Be 'pod-reader'
        Test-K8sPermission -Verb list -Resource pods -ServiceAccount $sa -Quiet | Should -BeTrue

        Get-K8sRoleBinding -Name pod-reader | Remove-K8sRoleBinding -Confirm:$false
        Get-K8sRole -Name 'pod-*' | Remove-K8sRole -Confirm:$false
        { Get-K8sRole -Name pod-reader -ErrorAction Stop } | Should -Throw -ErrorId 'KubernetesNotFound,K8sServiceAccount.Commands.GetK8sRoleCommand'
    }

    It 'resolves resources as kubectl create role does and says in -Verbose when a Grant changes nothing' {
        (New-K8sPolicyRule -Verb get -Resource deploy).ApiGroups | Should -Be 'apps'
        $words = @{ ServiceAccount = "$($ns):words"; Verb = 'get'; Resource = 'deployments' }
        (Grant-K8sPermission @words).ChangedRules.ApiGroups | Should -Be 'apps'
        $verbose = Grant-K8sPermission @words -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        $verbose.Message | Should -Contain "Nothing changed: Role $ns/k8ssa-grant:$($ns):words already grants every requested rule and RoleBinding $ns/k8ssa-grant:$($ns):words already binds system:serviceaccount:$($ns):words."
        Revoke-K8sPermission @words -Confirm:$false | Select-Object -ExpandProperty RoleAction | Should -Be 'Deleted'
        { New-K8sRoleBinding -Name bad -ClusterRole view -ServiceAccount "$($ns):Bad_Name" -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidServiceAccount,K8sServiceAccount.Commands.NewK8sRoleBindingCommand'
    }

    It 'labels objects and aggregates ClusterRoles by label' {
        $selector = @{ 'rbac.example.com/aggregate-to-pester' = 'true' }
        $aggregating = New-K8sClusterRole -Name pester-aggregate -AggregationRule $selector
        $aggregating.IsAggregated | Should -BeTrue
        $aggregating.AggregationRule | Should -Be 'rbac.example.com/aggregate-to-pester=true'
        New-K8sClusterRole -Name pester-pods -Label $selector -Rule (New-K8sPolicyRule -Verb get -Resource pods) | Out-Null
        # The aggregation controller fills the rules after the create has been answered, as in Kubernetes.
        Wait-Until { (Get-K8sClusterRole -Name pester-aggregate).Rules.Resources -contains 'pods' }
        (Get-K8sClusterRole -Name pester-aggregate).Rules.Resources | Should -Contain 'pods'
        (Get-K8sClusterRole -LabelSelector 'rbac.example.com/aggregate-to-pester=true').Name | Should -Be 'pester-pods'
        Remove-K8sClusterRole -Name pester-aggregate, pester-pods -Confirm:$false
    }

    It 'binds cluster-wide, lists effective rules with their binding, and checks on a snapshot (Method LocalRbac)' {
        New-K8sClusterRole -Name pester-cm-reader -Rule (New-K8sPolicyRule -Verb get, list -Resource configmaps) | Out-Null
        $crb = New-K8sClusterRoleBinding -Name pester-cm-reader -ClusterRole pester-cm-reader -ServiceAccount "$($ns):sample-sa"
        $crb.Kind | Should -Be 'ClusterRoleBinding'
        (Get-K8sClusterRoleBinding -Name pester-cm-reader).RoleName | Should -Be 'pester-cm-reader'

        $rule = Get-K8sPermission -ServiceAccount $sa | Where-Object { $_.Resources -contains 'configmaps' }
        $rule.BindingKind | Should -Be 'ClusterRoleBinding'
        $rule.BindingName | Should -Be 'pester-cm-reader'
        $rule.Scope | Should -BeNullOrEmpty
        $own = Get-K8sPermission
        $own | Should -Not -BeNullOrEmpty
        $own.Incomplete | Should -Not -Contain $true

        $snapshot = Get-K8sRbacSnapshot
        $local = Test-K8sPermission -Verb list -Resource configmaps -ServiceAccount $sa -Snapshot $snapshot
        $local.Allowed | Should -BeTrue
        $local.Method | Should -Be 'LocalRbac'

        Remove-K8sClusterRoleBinding -Name pester-cm-reader -Confirm:$false
        Remove-K8sClusterRole -Name pester-cm-reader -Confirm:$false
        Test-K8sPermission -Verb list -Resource configmaps -ServiceAccount $sa -Quiet | Should -BeFalse
    }

    It 'shows who the connection is' {
        $me = Get-K8sIdentity
        $me.Groups | Should -Contain 'system:masters'
    }
}

Describe 'One check typed alone answers as the same row in a pipeline' {
    # A command with no pipeline input runs its one check without a batch (issue 12, warm call): the same answer, the
    # same error for a check that cannot run, and the rest of the script goes on.
    BeforeAll {
        . (Join-Path $PSScriptRoot 'HostileSuite.ps1')
        if (-not ('HostileHttpServer' -as [type])) { Add-Type -TypeDefinition $script:HostileHttpSource }
        $script:hostilePort = [HostileHttpServer]::Start()
        $script:forbidding = Join-Path $TestDrive 'forbidding.kubeconfig'
        Set-Content -LiteralPath $script:forbidding -Value "apiVersion: v1`nkind: Config`nclusters:`n- name: h`n  cluster: {server: 'http://127.0.0.1:$script:hostilePort'}`nusers:`n- name: u`n  user: {}`ncontexts:`n- name: c`n  context: {cluster: h, user: u, namespace: default}`ncurrent-context: c`n"
    }

    It 'gives the same result for <Case>' -ForEach @(
        @{ Case = 'yourself, allowed'; Check = @{ Verb = 'get'; Resource = 'pods' } },
        @{ Case = 'a ServiceAccount, denied'; Check = @{ Verb = 'delete'; Resource = 'secrets'; ServiceAccount = 'default/sample-sa' } },
        @{ Case = 'a non-resource URL'; Check = @{ Verb = 'get'; NonResourceUrl = '/healthz' } }
    ) {
        $alone = Test-K8sPermission @Check
        $piped = [pscustomobject]$Check | Test-K8sPermission
        $alone | Should -HaveCount 1
        $alone.GetType() | Should -Be $piped.GetType()
        foreach ($property in $piped.PSObject.Properties.Name) {
            "$($alone.$property)" | Should -Be "$($piped.$property)" -Because "property $property"
        }
        Test-K8sPermission @Check -Quiet | Should -BeOfType [bool]
        Test-K8sPermission @Check -Quiet | Should -Be $piped.Allowed
    }

    It 'reports a check that cannot run as the row''s error, as a pipeline does, and the script goes on' {
        [HostileHttpServer]::Mode = 'status-403-bad'
        $alone = Test-K8sPermission -Kubeconfig $script:forbidding get pods -ErrorAction SilentlyContinue -ErrorVariable aloneErrors
        $after = 'went on'
        $piped = [pscustomobject]@{ Verb = 'get'; Resource = 'pods' } | Test-K8sPermission -Kubeconfig $script:forbidding -ErrorAction SilentlyContinue -ErrorVariable pipedErrors
        $alone | Should -BeNullOrEmpty
        $piped | Should -BeNullOrEmpty
        $after | Should -Be 'went on'
        $aloneErrors | Should -HaveCount 1
        $aloneErrors[0].FullyQualifiedErrorId | Should -BeLike 'KubernetesForbidden,*'
        $aloneErrors[0].FullyQualifiedErrorId | Should -Be $pipedErrors[0].FullyQualifiedErrorId
        $aloneErrors[0].CategoryInfo.Category | Should -Be $pipedErrors[0].CategoryInfo.Category
        "$($aloneErrors[0].TargetObject)" | Should -Be "$($pipedErrors[0].TargetObject)"
    }
}

#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Issue 12, rows piped in bulk: what every input shape binds to, and that PowerShell's parameter binder no longer tries
    (and fails) to convert each row into a ServiceAccount or a hashtable. Before, every Import-Csv or [pscustomobject]
    row piped to Test-K8sPermission, Get-K8sPermissionSubject or Grant/Revoke-K8sPermission made the binder attempt a
    conversion into each unbound by-value parameter of a class type (-InputObject, -Action), throwing and catching
    several exceptions per row (~75% of the pipeline thread's CPU). Those exceptions are counted here (first-chance
    exceptions of PowerShell's own types, on any thread), which does not depend on the machine's load as a time would.
    Test-K8sPermission and Get-K8sPermissionSubject run offline (-Policy), Grant/Revoke against the local API server.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-Module (Get-StagedModulePath) -Force -ErrorAction Stop

    if (-not ('K8sServiceAccountTests.BinderExceptions' -as [type])) {
        Add-Type -TypeDefinition @'
using System;
using System.Collections.Concurrent;
using System.Threading;
namespace K8sServiceAccountTests {
    // First-chance exceptions thrown while counting: the binder's failed conversions (PowerShell's own exception types
    // and InvalidCastException), on any thread, by type name. A C# handler: a script block cannot run on other threads.
    public static class BinderExceptions {
        private static int counting;
        private static bool hooked;
        public static readonly ConcurrentDictionary<string, int> ByType = new ConcurrentDictionary<string, int>();
        public static void Start() {
            if (!hooked) { AppDomain.CurrentDomain.FirstChanceException += OnException; hooked = true; }
            ByType.Clear();
            Volatile.Write(ref counting, 1);
        }
        public static int Stop() {
            Volatile.Write(ref counting, 0);
            var total = 0;
            foreach (var pair in ByType) { total += pair.Value; }
            return total;
        }
        public static string Describe() {
            var parts = new System.Collections.Generic.List<string>();
            foreach (var pair in ByType) { parts.Add(pair.Key + "=" + pair.Value); }
            return string.Join(", ", parts);
        }
        private static void OnException(object sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e) {
            if (Volatile.Read(ref counting) == 0) { return; }
            var type = e.Exception.GetType();
            if (type.Namespace == "System.Management.Automation" || e.Exception is InvalidCastException) {
                ByType.AddOrUpdate(type.Name, 1, (_, n) => n + 1);
            }
        }
    }
}
'@
    }

    # Exceptions counted while $Script runs (its output is discarded).
    function Measure-BinderException([scriptblock] $Script) {
        [K8sServiceAccountTests.BinderExceptions]::Start()
        try { $null = & $Script } finally { $script:exceptionCount = [K8sServiceAccountTests.BinderExceptions]::Stop() }
        [pscustomobject]@{ Count = $script:exceptionCount; Types = [K8sServiceAccountTests.BinderExceptions]::Describe() }
    }

    # ci/deployer may get and list pods in ci; apps/web may get secrets in apps.
    $script:policy = Join-Path $TestDrive 'rbac.yaml'
    @'
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: pod-reader, namespace: ci }
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: deployer-reads-pods, namespace: ci }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader }
subjects:
- { kind: ServiceAccount, name: deployer, namespace: ci }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: secret-reader, namespace: apps }
rules:
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: web-reads-secrets, namespace: apps }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: secret-reader }
subjects:
- { kind: ServiceAccount, name: web, namespace: apps }
'@ | Set-Content -LiteralPath $script:policy

    $script:deployer = [K8sServiceAccount.K8sServiceAccountInfo]@{ Name = 'deployer'; Namespace = 'ci' }
    $script:web = [K8sServiceAccount.K8sServiceAccountInfo]@{ Name = 'web'; Namespace = 'apps' }

    # 2,000 Import-Csv rows, as issue 12's benchmark pipes them: half allowed.
    $script:csv = Join-Path $TestDrive 'checks.csv'
    @(foreach ($i in 1..1000) {
            [pscustomobject]@{ ServiceAccount = 'ci/deployer'; Namespace = 'ci'; Verb = 'list'; Resource = 'pods'; ApiGroup = '' }
            [pscustomobject]@{ ServiceAccount = 'ci/deployer'; Namespace = 'ci'; Verb = 'delete'; Resource = 'pods'; ApiGroup = '' }
        }) | Export-Csv -LiteralPath $script:csv -NoTypeInformation
    $script:rows = Import-Csv -LiteralPath $script:csv
}

AfterAll {
    Remove-Module K8sServiceAccount -ErrorAction Ignore
}

Describe 'Rows piped in bulk cost the binder no failed conversions' {
    It 'binds 2,000 Import-Csv rows to Test-K8sPermission without an exception per row' {
        $results = $null
        $measured = Measure-BinderException { $script:results = $script:rows | Test-K8sPermission -Policy $script:policy }
        @($script:results).Count | Should -Be 2000
        @($script:results | Where-Object Allowed).Count | Should -Be 1000
        $measured.Count | Should -BeLessThan 20 -Because "2,000 rows must not each throw in the binder (thrown: $($measured.Types))"
    }

    It 'binds 2,000 hashtable rows to Test-K8sPermission without an exception per row' {
        $tables = foreach ($i in 1..2000) { @{ ServiceAccount = 'ci/deployer'; Verb = 'get'; Resource = 'pods'; Namespace = 'ci' } }
        $measured = Measure-BinderException { $script:results = $tables | Test-K8sPermission -Policy $script:policy -Quiet }
        @($script:results | Where-Object { $_ }).Count | Should -Be 2000
        $measured.Count | Should -BeLessThan 20 -Because "thrown: $($measured.Types)"
    }

    It 'binds 2,000 piped ServiceAccounts to Test-K8sPermission without an exception per object' {
        $accounts = foreach ($i in 1..1000) { $script:deployer; $script:web }
        $measured = Measure-BinderException { $script:results = $accounts | Test-K8sPermission get pods -Namespace ci -Policy $script:policy -Quiet }
        @($script:results | Where-Object { $_ }).Count | Should -Be 1000
        $measured.Count | Should -BeLessThan 20 -Because "thrown: $($measured.Types)"
    }

    It 'binds 2,000 Import-Csv rows to Get-K8sPermissionSubject without an exception per row' {
        $measured = Measure-BinderException { $script:results = $script:rows | Get-K8sPermissionSubject -Policy $script:policy }
        @($script:results | Where-Object SubjectName -EQ 'deployer').Count | Should -Be 1000
        $measured.Count | Should -BeLessThan 20 -Because "thrown: $($measured.Types)"
    }
}

Describe 'What each input shape binds to in Test-K8sPermission and Get-K8sPermissionSubject' {
    It 'checks a piped ServiceAccount as the subject, in its own namespace' {
        $result = $script:web | Test-K8sPermission get secrets -Policy $script:policy
        $result.Subject | Should -Be 'system:serviceaccount:apps:web'
        $result.Namespace | Should -Be 'apps'
        $result.Allowed | Should -BeTrue
        $result.Name | Should -BeNullOrEmpty -Because 'a piped ServiceAccount''s Name is not the object name'
    }

    It 'checks a ServiceAccount wrapped in a PSObject (with a note property) as the subject' {
        $wrapped = $script:web | Add-Member -NotePropertyName Team -NotePropertyValue blue -PassThru -Force
        $result = [psobject]$wrapped | Test-K8sPermission get secrets -Policy $script:policy
        $result.Subject | Should -Be 'system:serviceaccount:apps:web'
        $result.Allowed | Should -BeTrue
    }

    It 'checks -InputObject given on the command line, and -Action given on the command line' {
        (Test-K8sPermission -InputObject $script:deployer -Verb list -Resource pods -Policy $script:policy).Allowed | Should -BeTrue
        $result = Test-K8sPermission -Action @{ ServiceAccount = 'apps/web'; Verb = 'get'; Resource = 'secrets' } -Policy $script:policy
        $result.Subject | Should -Be 'system:serviceaccount:apps:web'
        $result.Allowed | Should -BeTrue
        (Get-K8sPermissionSubject -Action @{ Verb = 'get'; Resource = 'secrets'; Namespace = 'apps' } -Policy $script:policy).SubjectName | Should -Contain web
    }

    It 'checks a piped hashtable as -Action, and a CSV row by property name' {
        $fromTable = @{ ServiceAccount = 'ci/deployer'; Verb = 'list'; Resource = 'pods' } | Test-K8sPermission -Policy $script:policy
        $fromTable.Subject | Should -Be 'system:serviceaccount:ci:deployer'
        $fromTable.Namespace | Should -Be 'ci'
        $fromTable.Allowed | Should -BeTrue
        $fromRow = $script:rows[1] | Test-K8sPermission -Policy $script:policy
        $fromRow.Verb | Should -Be 'delete'
        $fromRow.Allowed | Should -BeFalse
        (@{ Verb = 'get'; Resource = 'secrets'; Namespace = 'apps' } | Get-K8sPermissionSubject -Policy $script:policy).SubjectName | Should -Contain web
    }

    It 'binds each object of a mixed pipeline as what it is, nothing carried over from the one before' {
        $results = $script:web, @{ ServiceAccount = 'ci/deployer'; Verb = 'list'; Resource = 'pods' }, $script:rows[0], $script:deployer |
            Test-K8sPermission -Verb get -Resource secrets -Policy $script:policy
        $results.Subject | Should -Be 'system:serviceaccount:apps:web', 'system:serviceaccount:ci:deployer', 'system:serviceaccount:ci:deployer', 'system:serviceaccount:ci:deployer'
        $results.Verb | Should -Be 'get', 'get', 'get', 'get' -Because '-Verb given on the command line wins over the hashtable''s key and the row''s property'
        $results.Namespace | Should -Be 'apps', 'ci', 'ci', 'ci'
        $results.Allowed | Should -Be $true, $false, $false, $false
    }

    It 'asks a result piped back, or read back with Import-Csv, of the same ServiceAccount, never of the caller' {
        $first = Test-K8sPermission get secrets -ServiceAccount apps/web -Policy $script:policy
        $first.Allowed | Should -BeTrue
        $denied = Test-K8sPermission delete secrets -ServiceAccount apps/web -Policy $script:policy
        $again = $first, $denied | Test-K8sPermission -Policy $script:policy
        $again.Subject | Should -Be 'system:serviceaccount:apps:web', 'system:serviceaccount:apps:web'
        $again.Allowed | Should -Be $true, $false
        $csv = Join-Path $TestDrive 'results.csv'
        $first, $denied | Export-Csv -LiteralPath $csv
        $fromCsv = Import-Csv -LiteralPath $csv | Test-K8sPermission -Policy $script:policy
        $fromCsv.Subject | Should -Be 'system:serviceaccount:apps:web', 'system:serviceaccount:apps:web'
        $fromCsv.Allowed | Should -Be $true, $false
        # Given on the command line, another subject asks the same questions.
        (Import-Csv -LiteralPath $csv | Test-K8sPermission -ServiceAccount ci/deployer -Policy $script:policy).Subject | Should -Be 'system:serviceaccount:ci:deployer', 'system:serviceaccount:ci:deployer'
        # A user's row does not carry the user's groups: it is refused rather than checked as the caller.
        $errors = $null
        $user = Test-K8sPermission get secrets -User alice -Group devs -Policy $script:policy
        $user | Test-K8sPermission -Policy $script:policy -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'InvalidUser,*'
        "$($errors[0])" | Should -BeLike '*Subject "alice"*-User*'
    }

    It 'binds a [pscustomobject] with Name and Namespace by property name, not as a ServiceAccount' {
        # Decision (issue 12): before, PowerShell silently converted such an object into a K8sServiceAccountInfo, the
        # subject, although the help says Name and Namespace bind by property name. They now bind as documented: -Name
        # is the object checked, -Namespace where; the subject is -ServiceAccount.
        $result = [pscustomobject]@{ Name = 'app-token'; Namespace = 'apps' } | Test-K8sPermission get secrets -ServiceAccount apps/web -Policy $script:policy
        $result.Subject | Should -Be 'system:serviceaccount:apps:web'
        $result.Name | Should -Be 'app-token'
        $result.Namespace | Should -Be 'apps'
        $result.Allowed | Should -BeTrue
    }

    It 'refuses a piped object that binds to nothing, naming -InputObject (-Action in Get-K8sPermissionSubject)' {
        $errors = $null
        $out = 'just text' | Test-K8sPermission get pods -Policy $script:policy -ErrorVariable errors -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'InvalidInputObject,*'
        "$($errors[0])" | Should -Match '-InputObject' -Because 'the error names the parameter'
        "$($errors[0])" | Should -Match 'System.String'
        # A property named as an alias binds too: the message names it as the parameter's alias, not as a property of its own.
        "$($errors[0])" | Should -BeLike '*a property named ServiceAccount, *Namespace (alias n).'
        $errors = $null
        $out = Get-Date | Get-K8sPermissionSubject -Verb get -Resource pods -Policy $script:policy -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'InvalidAction,*'
        "$($errors[0])" | Should -Match 'System.DateTime'
    }

    It 'refuses a piped hashtable when -Action is given on the command line, and a piped ServiceAccount with -InputObject' {
        $errors = $null
        @{ Verb = 'get' } | Test-K8sPermission -Action @{ Resource = 'pods' } -Policy $script:policy -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        "$($errors[0])" | Should -Match '-Action'
        $errors = $null
        $script:web | Test-K8sPermission -InputObject $script:deployer get pods -Policy $script:policy -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        "$($errors[0])" | Should -Match '-InputObject'
    }

    It 'refuses a wrong type given on the command line, naming the parameter' {
        { Test-K8sPermission -InputObject 'ci/deployer' get pods -Policy $script:policy -ErrorAction Stop } | Should -Throw -ExpectedMessage '*InputObject*'
        { Test-K8sPermission -Action 'get pods' -Policy $script:policy -ErrorAction Stop } | Should -Throw -ExpectedMessage '*Action*'
        { Get-K8sPermissionSubject -Action 42 -Policy $script:policy -ErrorAction Stop } | Should -Throw -ExpectedMessage '*Action*'
    }

    It 'says in the help that -InputObject and -Action take pipeline input by value' {
        foreach ($name in 'InputObject', 'Action') {
            (Get-Help Test-K8sPermission -Parameter $name).pipelineInput | Should -BeLike 'True (ByValue*'
        }
        (Get-Help Get-K8sPermissionSubject -Parameter Action).pipelineInput | Should -BeLike 'True (ByValue*'
        (Get-Help Grant-K8sPermission -Parameter InputObject).pipelineInput | Should -BeLike 'True (ByValue*'
    }
}

Describe 'Grant-K8sPermission and Revoke-K8sPermission take rows, ServiceAccounts and grants' {
    BeforeAll {
        $script:server = Start-LocalApiServer -Directory $TestDrive
        Connect-K8sCluster -Kubeconfig $script:server.Kubeconfig -Namespace default
        $script:accounts = New-K8sServiceAccount -Name row-1, row-2 -Namespace kube-public
    }
    AfterAll {
        Disconnect-K8sCluster
        Stop-LocalApiServer -Server $script:server
    }

    It 'grants to each row''s ServiceAccount by property name, and to each piped ServiceAccount in its namespace' {
        $grants = @([pscustomobject]@{ ServiceAccount = 'kube-public/row-1' }, [pscustomobject]@{ ServiceAccount = 'kube-public/row-2' }) |
            Grant-K8sPermission -Verb get -Resource configmaps
        $grants.Subject | Should -Be 'system:serviceaccount:kube-public:row-1', 'system:serviceaccount:kube-public:row-2'
        $grants.Namespace | Should -Be 'kube-public', 'kube-public'
        $fromObjects = $script:accounts | Grant-K8sPermission -Verb list -Resource configmaps
        $fromObjects.Subject | Should -Be 'system:serviceaccount:kube-public:row-1', 'system:serviceaccount:kube-public:row-2'
        (Test-K8sPermission list configmaps -ServiceAccount kube-public/row-2).Allowed | Should -BeTrue
    }

    It 'revokes piped grants (-Grant), piped ServiceAccounts and rows' {
        $grants = $script:accounts | Grant-K8sPermission -Verb watch -Resource secrets
        $revoked = $grants | Revoke-K8sPermission -Force
        $revoked.Subject | Should -Be 'system:serviceaccount:kube-public:row-1', 'system:serviceaccount:kube-public:row-2'
        (Test-K8sPermission watch secrets -ServiceAccount kube-public/row-1).Allowed | Should -BeFalse
        (Test-K8sPermission get configmaps -ServiceAccount kube-public/row-1).Allowed | Should -BeTrue -Because 'only the piped grant''s rules were revoked'
        $null = [pscustomobject]@{ ServiceAccount = 'kube-public/row-1' } | Revoke-K8sPermission -Verb get -Resource configmaps -Force
        (Test-K8sPermission get configmaps -ServiceAccount kube-public/row-1).Allowed | Should -BeFalse
        $null = $script:accounts[1] | Revoke-K8sPermission -Verb get -Resource configmaps -Force
        (Test-K8sPermission get configmaps -ServiceAccount kube-public/row-2).Allowed | Should -BeFalse
    }

    It 'refuses a piped grant together with parameters of a subject, as PowerShell did' {
        $grant = Grant-K8sPermission -ServiceAccount kube-public/row-2 -Verb get -Resource pods
        $errors = $null
        $grant | Revoke-K8sPermission -Verb get -Force -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'InvalidGrant,*'
        "$($errors[0])" | Should -Match '-Verb'
        (Test-K8sPermission get pods -ServiceAccount kube-public/row-2).Allowed | Should -BeTrue -Because 'nothing was revoked'
    }

    It 'refuses a piped object that binds to nothing, naming -InputObject' {
        foreach ($command in 'Grant-K8sPermission', 'Revoke-K8sPermission') {
            $errors = $null
            [pscustomobject]@{ Account = 'kube-public/row-1' } | & $command -Verb get -Resource pods -WhatIf -ErrorVariable errors -ErrorAction SilentlyContinue
            $errors.Count | Should -Be 1 -Because $command
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'InvalidInputObject,*'
            "$($errors[0])" | Should -Match 'ServiceAccount' -Because 'the error says which property binds'
        }
    }

    It 'binds 200 rows to Grant-K8sPermission and Revoke-K8sPermission without an exception per row' {
        $many = foreach ($i in 1..200) { [pscustomobject]@{ ServiceAccount = "kube-public/row-$(1 + $i % 2)"; Verb = 'ignored' } }
        $measured = Measure-BinderException { $many | Grant-K8sPermission -Verb get -Resource pods -WhatIf }
        $measured.Count | Should -BeLessThan 10 -Because "200 rows must not each throw in the binder (thrown: $($measured.Types))"
        $measured = Measure-BinderException { $many | Revoke-K8sPermission -Verb get -Resource pods -WhatIf }
        $measured.Count | Should -BeLessThan 10 -Because "thrown: $($measured.Types)"
    }
}

#Requires -Version 7.4
<#
.SYNOPSIS
    Issue 11's fault run: mixed operations through the staged module against a local API server that injects faults,
    then the server's state compared with what the operations said.
.DESCRIPTION
    Starts the local API server (tests/Pester/TestServer.ps1, Start-LocalApiServer), creates the namespaces fault-a and
    fault-b, and sets the fault injector (PUT /admin/faults) with -Seed: -ErrorRate answered 500 (default 20%),
    -ThrottleRate answered 429 with Retry-After: 1 (10%), and -DropRate connections dropped (5%): half of them before
    the request is handled, half after it was handled (dropAfterApplyRate: a write that is stored while its client sees
    only a lost connection).

    Then -Operations operations (generated from -Seed: create ServiceAccount, grant, token, check, revoke, delete) run
    through the staged module with -ErrorAction Continue, spread over -Workers runspaces of this pwsh. Each worker owns
    its ServiceAccounts (names w<N>-sa<I> in both namespaces), so its model of their objects is its own. Each operation
    records its outcome: success, or the error's id and category.

    The model is what the successful operations say: a ServiceAccount exists after New, not after Remove; Grant creates
    or extends the Role k8ssa-grant:NS:NAME (rules added as written when not already covered) and its RoleBinding with
    the ServiceAccount as the one subject; Revoke (no rules) deletes both when the binding exists. A check
    (Test-K8sPermission) must answer what the model says. After a failed operation the worker reads the objects the
    operation touches (as admin, retrying through the faults) and judges the difference from the model:
    - KubernetesWriteOutcomeUnknown and KubernetesPartialWriteLeftBehind say that something may be left: any
      difference is explained by that message;
    - any other error must have changed nothing, except what is documented: a Grant whose binding step failed keeps the
      rules it added to a Role that existed before;
    - a difference nothing explains is an orphan without a message.
    The model then takes the state read. At the end the faults are turned off and the ServiceAccounts, Roles and
    RoleBindings of both namespaces are compared with the model: every difference is a mismatch (an object lost,
    duplicated, or left over).

    Counts reported: operations, successes, failures by error id, writes reconciled after a lost connection (the
    module's verbose line), failures explained by a message, mismatches, orphans without message, untyped errors (an id with a '.', or category NotSpecified) and wrong check answers (all four must be 0),
    and the wall time.
.PARAMETER Operations
    How many operations (default 1,000).
.PARAMETER Seed
    Seeds the operations and the fault injector (default 11). With more than one worker the order in which requests
    draw from the injector varies between runs, so the exact faults do too; -Workers 1 makes a run repeatable.
.PARAMETER ResultPath
    Where to write the result as JSON (the counts, every failure, every mismatch).
.PARAMETER Workers
    Runspaces the operations are spread over (default 4); each owns -AccountsPerWorker ServiceAccount names per namespace.
.EXAMPLE
    dotnet pwsh -File scripts/Invoke-FaultSuite.ps1 -Operations 1000 -Seed 11 -ResultPath fault-run.json
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 100000)] [int] $Operations = 1000,
    [int] $Seed = 11,
    [string] $ResultPath,
    [ValidateRange(1, 32)] [int] $Workers = 4,
    [ValidateRange(1, 100)] [int] $AccountsPerWorker = 6,
    [ValidateRange(0.0, 1.0)] [double] $ErrorRate = 0.20,
    [ValidateRange(0.0, 1.0)] [double] $ThrottleRate = 0.10,
    [ValidateRange(0.0, 1.0)] [double] $DropRate = 0.05,
    # The module to run (default: the one the build staged in this repository), e.g. an older build to compare.
    [string] $ModulePath
)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot '../tests/Pester/TestServer.ps1')
$modulePath = if ($ModulePath) { [System.IO.Path]::GetFullPath($ModulePath) } else { Get-StagedModulePath }
if (-not (Test-Path -LiteralPath $modulePath)) { throw "The module is not staged at $modulePath. Build the solution first." }

$namespaces = 'fault-a', 'fault-b'
$rbacPath = '/apis/rbac.authorization.k8s.io/v1'
$kinds = @(
    @{ Op = 'create'; Weight = 20 }, @{ Op = 'grant'; Weight = 20 }, @{ Op = 'token'; Weight = 14 },
    @{ Op = 'check'; Weight = 20 }, @{ Op = 'revoke'; Weight = 13 }, @{ Op = 'delete'; Weight = 13 })
$verbs = 'get', 'list', 'watch'
$resources = 'pods', 'configmaps', 'secrets'

# The operations, from the seed: each worker's list, in order.
$random = [System.Random]::new($Seed)
$totalWeight = ($kinds | Measure-Object -Property Weight -Sum).Sum
$plan = @(for ($w = 0; $w -lt $Workers; $w++) { , [System.Collections.Generic.List[object]]::new() })
for ($i = 0; $i -lt $Operations; $i++) {
    $roll = $random.Next($totalWeight)
    $op = foreach ($k in $kinds) { if ($roll -lt $k.Weight) { $k.Op; break }; $roll -= $k.Weight }
    $worker = $i % $Workers
    $grantVerbs = @($verbs | Where-Object { $random.Next(2) -eq 1 })
    if ($grantVerbs.Count -eq 0) { $grantVerbs = @($verbs[$random.Next($verbs.Count)]) }
    $plan[$worker].Add([pscustomobject]@{
        Index     = $i
        Op        = $op
        Namespace = $namespaces[$random.Next($namespaces.Count)]
        Name      = "w$worker-sa$($random.Next($AccountsPerWorker))"
        Verbs     = $grantVerbs
        Verb      = $verbs[$random.Next($verbs.Count)]
        Resource  = $resources[$random.Next($resources.Count)]
    })
}

# One worker: runs its operations, keeps its model, judges failures. Runs in a runspace of its own (ForEach-Object
# -Parallel), so everything it needs is defined inside.
$workerScript = {
    param($Plan, $Server, $ModulePath, $RbacPath)
    $ErrorActionPreference = 'Stop'
    Import-Module $ModulePath -Force
    Connect-K8sCluster -Kubeconfig $Server.Kubeconfig -Namespace fault-a | Out-Null

    function Invoke-AdminGet([string] $Path) {
        # As admin, through the faults: retried until an answer; $null for 404.
        for ($try = 1; ; $try++) {
            try {
                return Invoke-RestMethod -Uri "$($Server.Url)$Path" -Certificate $Server.AdminCertificate -SkipCertificateCheck
            }
            catch {
                $code = $_.Exception.Response.StatusCode
                if ($code -eq [System.Net.HttpStatusCode]::NotFound) { return $null }
                if ($try -ge 60) { throw "GET $Path kept failing: $($_.Exception.Message)" }
                Start-Sleep -Milliseconds 50
            }
        }
    }
    function Get-RoleName([string] $Namespace, [string] $Name) { "k8ssa-grant:$($Namespace):$Name" }
    function Format-Rules($Rules) {
        # A Role's rules as a sorted list of "verbs|resources" (one entry per rule, so a duplicate shows).
        , @($Rules | ForEach-Object { "$((@($_.verbs) | Sort-Object) -join ',')|$((@($_.resources) | Sort-Object) -join ',')" } | Sort-Object)
    }
    function Read-Objects([string] $Namespace, [string] $Name) {
        # The three objects an operation on one ServiceAccount touches, as the model holds them.
        $role = Get-RoleName $Namespace $Name
        $escaped = [uri]::EscapeDataString($role)
        $sa = Invoke-AdminGet "/api/v1/namespaces/$Namespace/serviceaccounts/$Name"
        $r = Invoke-AdminGet "$RbacPath/namespaces/$Namespace/roles/$escaped"
        $b = Invoke-AdminGet "$RbacPath/namespaces/$Namespace/rolebindings/$escaped"
        @{
            "ServiceAccount/$Namespace/$Name" = if ($sa) { 'present' } else { $null }
            "Role/$Namespace/$role"           = if ($r) { (Format-Rules $r.rules) -join ';' } else { $null }
            "RoleBinding/$Namespace/$role"    = if ($b) { (@($b.subjects | ForEach-Object { "$($_.kind):$($_.namespace):$($_.name)" }) -join ';') + "->$($b.roleRef.kind)/$($b.roleRef.name)" } else { $null }
        }
    }
    function Get-Atoms([string] $RoleValue) {
        # "get,list|pods;watch|secrets" -> the (verb|resource) pairs it grants.
        if (-not $RoleValue) { return , @() }
        , @(foreach ($rule in $RoleValue -split ';') {
                $v, $r = $rule -split '\|'
                foreach ($verb in $v -split ',') { foreach ($res in $r -split ',') { "$verb|$res" } }
            })
    }

    $model = @{}
    $records = [System.Collections.Generic.List[object]]::new()
    foreach ($step in $Plan) {
        $ns = $step.Namespace; $name = $step.Name
        $role = Get-RoleName $ns $name
        $saKey = "ServiceAccount/$ns/$name"; $roleKey = "Role/$ns/$role"; $bindingKey = "RoleBinding/$ns/$role"
        $before = @{ $saKey = $model[$saKey]; $roleKey = $model[$roleKey]; $bindingKey = $model[$bindingKey] }
        $ruleText = "$((@($step.Verbs) | Sort-Object) -join ',')|$($step.Resource)"
        $bindingText = "ServiceAccount:$($ns):$name->Role/$role"
        $err = $null; $result = $null
        $started = [System.Diagnostics.Stopwatch]::StartNew()
        # Verbose lines are kept to count the writes reconciled after a lost connection (WriteOutcome says so there).
        $common = @{ ErrorAction = 'Continue'; ErrorVariable = 'err'; WarningAction = 'SilentlyContinue'; Verbose = $true }
        $output = @()
        try {
            $output = switch ($step.Op) {
                'create' { New-K8sServiceAccount $name -Namespace $ns -Label @{ suite = 'faults' } @common 2>$null 4>&1 }
                'grant' { Grant-K8sPermission -ServiceAccount $name -Namespace $ns -Verb $step.Verbs -Resource $step.Resource @common 2>$null 4>&1 }
                'token' { Get-K8sSaToken $name -Namespace $ns -Duration 1h @common 2>$null 4>&1 }
                'check' { Test-K8sPermission $step.Verb $step.Resource -ServiceAccount "$ns/$name" -Namespace $ns @common 2>$null 4>&1 }
                'revoke' { Revoke-K8sPermission -ServiceAccount $name -Namespace $ns -Force @common 2>$null 4>&1 }
                'delete' { Remove-K8sServiceAccount $name -Namespace $ns -Confirm:$false @common 2>$null 4>&1 }
            }
        }
        catch {
            # A terminating error is a failure like any other (and must be typed too).
            $err = @($_)
        }
        $reconciled = @($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match 'the connection was lost after the request was sent' } |
                ForEach-Object { $_.Message })
        $result = @($output | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }) | Select-Object -First 1
        $seconds = $started.Elapsed.TotalSeconds
        $record = [ordered]@{
            Index = $step.Index; Op = $step.Op; Target = "$ns/$name"; Seconds = [math]::Round($seconds, 3)
            Ok = -not $err; ErrorId = $null; Category = $null; Message = $null; Judgement = $null; Reconciled = $reconciled
        }
        if (-not $err) {
            # What the success says, into the model.
            switch ($step.Op) {
                'create' { $model[$saKey] = 'present' }
                'delete' { $model[$saKey] = $null }
                'grant' {
                    $atoms = Get-Atoms $model[$roleKey]
                    $wanted = Get-Atoms $ruleText
                    $covered = @($wanted | Where-Object { $atoms -notcontains $_ }).Count -eq 0
                    if (-not $model[$roleKey]) { $model[$roleKey] = $ruleText }
                    elseif (-not $covered) { $model[$roleKey] = (@($model[$roleKey] -split ';') + $ruleText | Sort-Object) -join ';' }
                    $model[$bindingKey] = $bindingText
                }
                'revoke' {
                    if ($model[$bindingKey]) { $model[$bindingKey] = $null; $model[$roleKey] = $null }
                }
                'check' {
                    $expected = [bool]($model[$bindingKey] -and ((Get-Atoms $model[$roleKey]) -contains "$($step.Verb)|$($step.Resource)"))
                    if ([bool]$result.Allowed -ne $expected) { $record.Judgement = "wrong answer: Allowed $($result.Allowed), the model says $expected" }
                }
            }
        }
        else {
            $first = $err[0]
            $record.ErrorId = ($first.FullyQualifiedErrorId -split ',')[0]
            $record.Category = "$($first.CategoryInfo.Category)"
            $record.Message = "$($first.Exception.Message)"
            # What the server holds now, judged against the model and the message.
            $after = Read-Objects $ns $name
            $changed = @($after.Keys | Where-Object { $after[$_] -ne $before[$_] })
            if ($changed.Count -eq 0) { $record.Judgement = 'unchanged' }
            elseif ($record.ErrorId -in 'KubernetesWriteOutcomeUnknown', 'KubernetesPartialWriteLeftBehind') { $record.Judgement = "explained by the message: $($changed -join ', ')" }
            elseif ($step.Op -eq 'grant' -and $changed.Count -eq 1 -and $changed[0] -eq $roleKey -and $before[$roleKey]) {
                # Documented: a Role that existed keeps the rules the Grant added before its binding step failed.
                $record.Judgement = 'documented: rules added to an existing Role stay'
            }
            else { $record.Judgement = "orphan without message: $(($changed | ForEach-Object { "$_ was '$($before[$_])', is '$($after[$_])'" }) -join '; ')" }
            foreach ($key in $after.Keys) { $model[$key] = $after[$key] }
        }
        $records.Add([pscustomobject]$record)
    }
    [pscustomobject]@{ Records = $records; Model = $model }
}

$directory = Join-Path ([System.IO.Path]::GetTempPath()) "k8ssa-faults-$([guid]::NewGuid().ToString('n').Substring(0, 8))"
New-Item -ItemType Directory -Path $directory | Out-Null
$server = $null
$wall = [System.Diagnostics.Stopwatch]::StartNew()
try {
    $server = Start-LocalApiServer -Directory $directory
    foreach ($ns in $namespaces) {
        $null = New-TestServerObject -Server $server -Path /api/v1/namespaces -Object @{ apiVersion = 'v1'; kind = 'Namespace'; metadata = @{ name = $ns } }
    }
    $faults = @{
        seed = $Seed; errorRate = $ErrorRate; throttleRate = $ThrottleRate; retryAfterSeconds = 1
        dropRate = $DropRate / 2; dropAfterApplyRate = $DropRate / 2
    }
    $null = Invoke-TestServerRequest -Server $server -Method Put -Path /admin/faults -Body $faults
    $operationsStarted = [System.Diagnostics.Stopwatch]::StartNew()
    $script = $workerScript.ToString()
    $results = $plan | ForEach-Object -ThrottleLimit $Workers -Parallel {
        $block = [scriptblock]::Create($using:script)
        & $block $_ $using:server $using:modulePath $using:rbacPath
    }
    $operationsSeconds = $operationsStarted.Elapsed.TotalSeconds
    $null = Invoke-TestServerRequest -Server $server -Method Put -Path /admin/faults -Body @{}

    # The model of every worker, against the server without faults.
    $model = @{}
    foreach ($r in $results) { foreach ($key in $r.Model.Keys) { if ($null -ne $r.Model[$key]) { $model[$key] = $r.Model[$key] } } }
    $actual = @{}
    foreach ($ns in $namespaces) {
        foreach ($sa in (Invoke-TestServerRequest -Server $server -Method Get -Path "/api/v1/namespaces/$ns/serviceaccounts").items) {
            if ($sa.metadata.name -ne 'default') { $actual["ServiceAccount/$ns/$($sa.metadata.name)"] = 'present' }
        }
        foreach ($r in (Invoke-TestServerRequest -Server $server -Method Get -Path "$rbacPath/namespaces/$ns/roles").items) {
            $actual["Role/$ns/$($r.metadata.name)"] = (@($r.rules | ForEach-Object { "$((@($_.verbs) | Sort-Object) -join ',')|$((@($_.resources) | Sort-Object) -join ',')" } | Sort-Object)) -join ';'
        }
        foreach ($b in (Invoke-TestServerRequest -Server $server -Method Get -Path "$rbacPath/namespaces/$ns/rolebindings").items) {
            $actual["RoleBinding/$ns/$($b.metadata.name)"] = (@($b.subjects | ForEach-Object { "$($_.kind):$($_.namespace):$($_.name)" }) -join ';') + "->$($b.roleRef.kind)/$($b.roleRef.name)"
        }
    }
    $mismatches = @(foreach ($key in @($model.Keys) + @($actual.Keys) | Sort-Object -Unique) {
            if ($model[$key] -ne $actual[$key]) { [pscustomobject]@{ Object = $key; Model = $model[$key]; Server = $actual[$key] } }
        })
}
finally {
    if (Get-Module K8sServiceAccount) { Remove-Module K8sServiceAccount }
    Stop-LocalApiServer -Server $server
    Remove-Item -LiteralPath $directory -Recurse -Force -ErrorAction Ignore
}

$records = @($results | ForEach-Object { $_.Records } | Sort-Object Index)
$failures = @($records | Where-Object { -not $_.Ok })
$byId = [ordered]@{}
foreach ($group in $failures | Group-Object ErrorId | Sort-Object Count -Descending) { $byId[$group.Name] = $group.Count }
$untyped = @($failures | Where-Object { -not $_.ErrorId -or $_.ErrorId.Contains('.') -or $_.Category -eq 'NotSpecified' })
$orphans = @($records | Where-Object { $_.Judgement -like 'orphan*' })
$wrongChecks = @($records | Where-Object { $_.Judgement -like 'wrong answer*' })
$result = [pscustomobject]@{
    Operations           = $records.Count
    Successes            = $records.Count - $failures.Count
    Failures             = $failures.Count
    FailuresById         = $byId
    OperationsByKind     = [ordered]@{}
    ReconciledWrites     = @($records | ForEach-Object { $_.Reconciled } | Where-Object { $_ }).Count
    ExplainedByMessage   = @($records | Where-Object { $_.Judgement -like 'explained*' }).Count
    DocumentedPartial    = @($records | Where-Object { $_.Judgement -like 'documented*' }).Count
    Mismatches           = $mismatches.Count
    OrphansWithoutMessage = $orphans.Count
    UntypedErrors        = $untyped.Count
    WrongChecks          = $wrongChecks.Count
    ObjectsAtEnd         = $actual.Count
    WallSeconds          = [math]::Round($wall.Elapsed.TotalSeconds, 1)
    OperationsSeconds    = [math]::Round($operationsSeconds, 1)
    MedianOperationSeconds = [math]::Round((@($records.Seconds | Sort-Object)[[int][math]::Floor($records.Count / 2)]), 3)
    Seed                 = $Seed
    Workers              = $Workers
    Faults               = $faults
    LoadAverage          = (Get-Content -LiteralPath /proc/loadavg -ErrorAction Ignore)
    Date                 = (Get-Date).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ')
    MismatchList         = $mismatches
    OrphanList           = $orphans
    UntypedList          = $untyped
    WrongCheckList       = $wrongChecks
    FailureList          = $failures
}
foreach ($group in $records | Group-Object Op | Sort-Object Name) { $result.OperationsByKind[$group.Name] = "$($group.Count) ($(@($group.Group | Where-Object Ok).Count) ok)" }
if ($ResultPath) { $result | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath $ResultPath -Encoding utf8NoBOM }
$result

#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Timeouts and cancellation (issue 11): -RequestTimeout (defect 11) bounds a server that accepts the connection and never
    answers, or never completes the TLS handshake, per command and per session; and stopping a 10,000-check
    Test-K8sPermission batch the way Ctrl+C does (PowerShell.Stop, the console host's StopProcessing) ends it at once with
    nothing left sending requests. The silent server is the raw TCP listener of HostileSuite.ps1 in its never-answers mode.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    # $script:HostileHttpSource: the raw TCP server of the hostile-HTTP suite (shared, not copied).
    . (Join-Path $PSScriptRoot 'HostileSuite.ps1')
    Import-Module (Get-StagedModulePath) -Force -Global -ErrorAction Stop
    if (-not ('HostileHttpServer' -as [type])) { Add-Type -TypeDefinition $script:HostileHttpSource }
    $port = [HostileHttpServer]::Start()
    [HostileHttpServer]::Mode = 'never-answers'

    # A user without credentials: nothing is sent that a warning about plain HTTP would be about.
    function script:New-SilentKubeconfig([string] $Name, [string] $Server) {
        $path = Join-Path $TestDrive $Name
        Set-Content -LiteralPath $path -Value @"
apiVersion: v1
kind: Config
clusters:
- name: silent
  cluster: {server: '$Server', insecure-skip-tls-verify: $($Server.StartsWith('https'))}
users:
- name: u
  user: {}
contexts:
- name: silent
  context: {cluster: silent, user: u, namespace: default}
current-context: silent
"@
        $path
    }
    $script:Http = New-SilentKubeconfig 'http.kubeconfig' "http://127.0.0.1:$port"
    # The same listener over https: it reads the ClientHello as a request head that never ends and never answers it.
    $script:Https = New-SilentKubeconfig 'https.kubeconfig' "https://127.0.0.1:$port"

    # Runs the command and returns the error it ended with and how long it took.
    function script:Measure-Failure([scriptblock] $Command) {
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $failure = $null
        try { & $Command 3>$null } catch { $failure = $_ }
        $watch.Stop()
        [pscustomobject]@{ Error = $failure; Seconds = $watch.Elapsed.TotalSeconds }
    }
}

AfterAll {
    if (Get-Module K8sServiceAccount) { Disconnect-K8sCluster }
    Remove-Module K8sServiceAccount -ErrorAction Ignore
}

Describe 'Defect 11: -RequestTimeout bounds a server that never answers' {
    AfterEach { Disconnect-K8sCluster; $PSDefaultParameterValues.Remove('*-K8s*:RequestTimeout') }

    It 'ends a command against a server that accepts and never answers with KubernetesRequestTimeout within the bound' {
        $run = Measure-Failure { Get-K8sServiceAccount -Kubeconfig $script:Http -Name x -RequestTimeout 2s -ErrorAction Stop }
        $run.Error.FullyQualifiedErrorId | Should -BeLike 'KubernetesRequestTimeout,*'
        $run.Error.CategoryInfo.Category | Should -Be 'OperationTimeout'
        $run.Error.Exception.Message | Should -BeLike '*did not complete within 2 seconds (the request timeout*'
        $run.Seconds | Should -BeGreaterThan 1.8
        $run.Seconds | Should -BeLessThan 5
    }

    It 'ends a command against a server that never completes the TLS handshake within the bound' {
        $run = Measure-Failure { Get-K8sIdentity -Kubeconfig $script:Https -RequestTimeout 2 -ErrorAction Stop }
        $run.Error.FullyQualifiedErrorId | Should -BeLike 'KubernetesRequestTimeout,*'
        $run.Seconds | Should -BeGreaterThan 1.8
        $run.Seconds | Should -BeLessThan 5
    }

    It 'bounds an answer whose body trickles forever' {
        [HostileHttpServer]::Mode = 'slow-forever'
        try {
            $run = Measure-Failure { Get-K8sServiceAccount -Kubeconfig $script:Http -Name x -RequestTimeout 2s -ErrorAction Stop }
        }
        finally { [HostileHttpServer]::Mode = 'never-answers' }
        $run.Error.FullyQualifiedErrorId | Should -BeLike 'KubernetesRequestTimeout,*'
        $run.Seconds | Should -BeLessThan 5
    }

    It 'counts the retries: a server that always answers 429 ends at the timeout, not after the 5 retries' {
        [HostileHttpServer]::Mode = 'status-429-retry-bad'
        try {
            $run = Measure-Failure { Get-K8sServiceAccount -Kubeconfig $script:Http -Name x -RequestTimeout 1500ms -ErrorAction Stop }
        }
        finally { [HostileHttpServer]::Mode = 'never-answers' }
        $run.Error.FullyQualifiedErrorId | Should -BeLike 'KubernetesRequestTimeout,*'
        $run.Seconds | Should -BeLessThan 4.5
    }

    It 'takes the session''s timeout from Connect-K8sCluster, shows it, and lets a command override it' {
        Connect-K8sCluster -Kubeconfig $script:Http -RequestTimeout 2s
        (Get-K8sConnection).RequestTimeout | Should -Be ([timespan]::FromSeconds(2))
        # What a user sees: the list view names it (it is hidden when no timeout was set).
        (Get-K8sConnection | Format-List | Out-String -Width 80) | Should -Match '(?m)^RequestTimeout\s*:\s*00:00:02\s*$'
        (Get-K8sConnection -RequestTimeout 5m).RequestTimeout | Should -Be ([timespan]::FromMinutes(5))
        $run = Measure-Failure { Test-K8sPermission -Verb get -Resource pods -ErrorAction Stop }
        $run.Error.FullyQualifiedErrorId | Should -BeLike 'KubernetesRequestTimeout,*'
        $run.Seconds | Should -BeLessThan 5

        Connect-K8sCluster -Kubeconfig $script:Http -RequestTimeout 1h
        $run = Measure-Failure { Get-K8sServiceAccount -Name x -RequestTimeout 1s -ErrorAction Stop }
        $run.Error.FullyQualifiedErrorId | Should -BeLike 'KubernetesRequestTimeout,*'
        $run.Error.Exception.Message | Should -BeLike '*within 1 seconds*'
        $run.Seconds | Should -BeLessThan 4

        # -Connection carries the timeout of the object it came from.
        $c = Connect-K8sCluster -Kubeconfig $script:Http -RequestTimeout 1s -PassThru
        Disconnect-K8sCluster
        $c.RequestTimeout | Should -Be ([timespan]::FromSeconds(1))
        $run = Measure-Failure { Get-K8sServiceAccount -Connection $c -Name x -ErrorAction Stop }
        $run.Error.FullyQualifiedErrorId | Should -BeLike 'KubernetesRequestTimeout,*'
        $run.Seconds | Should -BeLessThan 4
    }

    It 'applies to a KUBECONFIG-driven session without Connect-K8sCluster through $PSDefaultParameterValues' {
        $saved = $env:KUBECONFIG
        try {
            $env:KUBECONFIG = $script:Http
            $PSDefaultParameterValues['*-K8s*:RequestTimeout'] = '2s'
            (Get-K8sConnection).RequestTimeout | Should -Be ([timespan]::FromSeconds(2))
            $run = Measure-Failure { Get-K8sServiceAccount -Name x -ErrorAction Stop }
        }
        finally { $env:KUBECONFIG = $saved }
        $run.Error.FullyQualifiedErrorId | Should -BeLike 'KubernetesRequestTimeout,*'
        $run.Seconds | Should -BeLessThan 5
    }

    It 'reads <Given> as <Expected>, as kubectl --request-timeout does' -ForEach @(
        @{ Given = '0'; Expected = [timespan]::Zero }
        @{ Given = 0; Expected = [timespan]::Zero }
        @{ Given = 90; Expected = [timespan]::FromSeconds(90) }
        @{ Given = '90'; Expected = [timespan]::FromSeconds(90) }
        @{ Given = '1m30s'; Expected = [timespan]::FromSeconds(90) }
        @{ Given = '3h'; Expected = [timespan]::FromHours(3) }
        @{ Given = '00:00:30'; Expected = [timespan]::FromSeconds(30) }
        @{ Given = [timespan]::FromMilliseconds(1500); Expected = [timespan]::FromMilliseconds(1500) }
    ) {
        (Get-K8sConnection -Kubeconfig $script:Http -RequestTimeout $Given).RequestTimeout | Should -Be $Expected
    }

    It 'reads -RequestTimeout 2s and 500ms typed as arguments' {
        (Get-K8sConnection -Kubeconfig $script:Http -RequestTimeout 2s).RequestTimeout | Should -Be ([timespan]::FromSeconds(2))
        (Get-K8sConnection -Kubeconfig $script:Http -RequestTimeout 500ms).RequestTimeout | Should -Be ([timespan]::FromMilliseconds(500))
    }

    It 'refuses <Given> with an error naming -RequestTimeout and the value' -ForEach @(
        @{ Given = '-1'; Reason = 'it is negative' }
        @{ Given = '-5s'; Reason = 'it is negative' }
        @{ Given = 'garbage'; Reason = 'time: invalid duration "garbage"' }
        @{ Given = '1.5'; Reason = 'missing unit' }
        @{ Given = '1d'; Reason = 'unknown unit "d"' }
    ) {
        $failure = $null
        try { Get-K8sConnection -Kubeconfig $script:Http -RequestTimeout $Given } catch { $failure = $_ }
        $failure.FullyQualifiedErrorId | Should -Be 'ParameterArgumentTransformationError,K8sServiceAccount.Commands.GetK8sConnectionCommand'
        $failure.Exception.Message | Should -BeLike "*parameter 'RequestTimeout'*Cannot read ""$Given"" as a request timeout: *$Reason*"
    }

    It 'refuses a negative TimeSpan' {
        { Get-K8sServiceAccount -Kubeconfig $script:Http -RequestTimeout ([timespan]::FromSeconds(-1)) } |
            Should -Throw -ErrorId 'ParameterArgumentTransformationError,K8sServiceAccount.Commands.GetK8sServiceAccountCommand'
    }
}

Describe 'Stopping a command waiting for one answer (Ctrl+C)' {
    It 'stops <Command> waiting on a server that never answers within 500 ms, with or without -Verbose' -ForEach @(
        @{ Command = 'Get-K8sServiceAccount -Name x'; Verbose = $false }, @{ Command = 'Get-K8sIdentity'; Verbose = $false },
        @{ Command = 'Get-K8sServiceAccount -Name x'; Verbose = $true }
    ) {
        # Without -Verbose the pipeline thread waits on the request alone; with it, on the log queue too. Both must end
        # when PowerShell.Stop() (what the console host does on Ctrl+C) cancels the request.
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$(Get-StagedModulePath)'; $Command -Kubeconfig '$script:Http' -Verbose:`$$Verbose 4>`$null")
            $async = $ps.BeginInvoke()
            Start-Sleep -Milliseconds 1500
            $ps.InvocationStateInfo.State | Should -Be 'Running' -Because 'the server never answers'
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            $watch.ElapsedMilliseconds | Should -BeLessThan 500
        }
        finally { $ps.Dispose() }
    }
}

Describe 'Stopping a 10,000-check batch (Ctrl+C)' {
    It 'stops within 200 ms (median of 3) with no SubjectAccessReview sent after a 200 ms grace period' {
        # PowerShell.Stop() on the runspace running the batch: what the console host does on Ctrl+C. The script also
        # measures a real Ctrl+C through a pseudo-terminal (-Method Pty) for RELIABILITY.md.
        $runs = & (Join-Path $PSScriptRoot '../../scripts/Measure-Cancellation.ps1') -Runs 3 -PassThru
        $runs | Should -HaveCount 3
        foreach ($run in $runs) {
            $run.State | Should -Be 'Stopped'
            $run.ReviewsBeforeStop | Should -BeGreaterOrEqual 300
            $run.ReviewsAfterGrace | Should -Be 0 -Because "run $($run.Run): nothing may keep sending checks after the stop"
        }
        $median = ($runs.StopMilliseconds | Sort-Object)[1]
        $median | Should -BeLessThan 200 -Because "stop times $($runs.StopMilliseconds -join ', ') ms"
    }
}

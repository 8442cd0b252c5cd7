#Requires -Version 7.4
<#
.SYNOPSIS
    Measures how fast a 10,000-check Test-K8sPermission batch stops when stopped the way Ctrl+C stops it, and proves that
    nothing keeps running afterwards (issue 11, "Ctrl+C in a 10,000-check batch stops it within 200 ms").
.DESCRIPTION
    Starts the local API server with a request log and injected latency, then, -Runs times: pipes 10,000 rows (each a
    SubjectAccessReview for a ServiceAccount) into Test-K8sPermission, waits until the checks are flowing, and stops the
    command.

    -Method Stop (the default) runs the batch in a runspace of this process and calls PowerShell.Stop() on it, which is
    what the console host does on Ctrl+C (it stops the running pipeline: StopProcessing on every command). The time is
    from the call to the command's end (Stop returns when the pipeline has stopped).

    -Method Pty (Linux, needs python3) runs the batch in a child pwsh under a pseudo-terminal and types Ctrl+C (ETX) into
    it: the terminal sends SIGINT and the console host stops the pipeline. The time is from the keystroke to the child
    writing, in the command's finally block, that it returned (both read the same wall clock).

    After each stop it counts the SubjectAccessReviews in the server's request log: at the stop, after a grace period
    (-GraceMilliseconds, for requests already on the wire), and a second later: none may arrive after the grace period. It
    also measures the processor time the stopping process (-Method Stop: this process) and the server use in that second.
.OUTPUTS
    One object per run, then (unless -PassThru) a summary with the medians.
.EXAMPLE
    dotnet pwsh -NoProfile -File scripts/Measure-Cancellation.ps1 -Runs 7
#>
[CmdletBinding()]
param(
    [int] $Runs = 5,
    [int] $Rows = 10000,
    # Added by the server to every request (PUT /admin/faults latencyMilliseconds): checks are in flight when stopped.
    [int] $LatencyMilliseconds = 20,
    [int] $ThrottleLimit = 16,
    # How many SubjectAccessReviews must have arrived before the stop.
    [int] $StopAfter = 300,
    [int] $GraceMilliseconds = 200,
    [ValidateSet('Stop', 'Pty')]
    [string] $Method = 'Stop',
    # $ProgressPreference = 'SilentlyContinue' in the batch (no progress display).
    [switch] $NoProgress,
    # Only the per-run objects.
    [switch] $PassThru
)

$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot '../tests/Pester/TestServer.ps1')
$module = Get-StagedModulePath
$work = Join-Path ([System.IO.Path]::GetTempPath()) ("k8s-cancel-" + [guid]::NewGuid().ToString('N'))
New-Item -ItemType Directory -Path $work | Out-Null
$log = Join-Path $work 'requests.log'
$server = Start-LocalApiServer -Directory $work -Argument '--request-log', $log

function Get-ReviewCount {
    if (-not (Test-Path -LiteralPath $log)) { return 0 }
    $count = 0
    foreach ($line in [System.IO.File]::ReadLines($log)) { if ($line.Contains('/subjectaccessreviews')) { $count++ } }
    $count
}

function Wait-Reviews([int] $AtLeast, [int] $TimeoutSeconds = 60) {
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ((Get-ReviewCount) -lt $AtLeast) {
        if ([DateTime]::UtcNow -gt $deadline) { throw "Fewer than $AtLeast SubjectAccessReviews arrived within $TimeoutSeconds s." }
        Start-Sleep -Milliseconds 20
    }
}

# Processor time of this process (or another, by id) in milliseconds.
function Get-CpuMilliseconds([int] $Id = $PID) { (Get-Process -Id $Id).TotalProcessorTime.TotalMilliseconds }

# Processor time per thread name, in ms (Linux /proc/self/task/*/stat: comm, utime + stime in 1/100 s).
$threadCpu = {
    $t = @{}
    foreach ($task in Get-ChildItem /proc/self/task -ErrorAction Ignore) {
        $text = try { [System.IO.File]::ReadAllText("$($task.FullName)/stat") } catch { continue }
        $name = $text.Substring($text.IndexOf('(') + 1, $text.LastIndexOf(')') - $text.IndexOf('(') - 1)
        $fields = $text.Substring($text.LastIndexOf(')') + 2).Split(' ')
        $t[$name] = [long]$t[$name] + ([long]$fields[11] + [long]$fields[12]) * 10
    }
    $t
}
# "name=ms;..." for the threads that used processor time between two snapshots, busiest first.
$busyThreads = {
    param($Before, $After)
    $(foreach ($name in $After.Keys) { $d = $After[$name] - [long]$Before[$name]; if ($d -gt 0) { [pscustomobject]@{ Name = $name; Ms = $d } } }) |
        Sort-Object Ms -Descending | ForEach-Object { "$($_.Name)=$($_.Ms)" } | Join-String -Separator ';'
}

$batch = {
    param($Module, $Kubeconfig, $Rows, $ThrottleLimit, $NoProgress)
    Import-Module $Module
    if ($NoProgress) { $ProgressPreference = 'SilentlyContinue' }
    # Each row a SubjectAccessReview for a ServiceAccount (it need not exist).
    1..$Rows | ForEach-Object { [pscustomobject]@{ ServiceAccount = "default/app$($_ % 50)"; Verb = 'get'; Resource = 'pods' } } |
        Test-K8sPermission -Kubeconfig $Kubeconfig -ThrottleLimit $ThrottleLimit -Quiet | Out-Null
}

try {
    $null = Invoke-TestServerRequest -Server $server -Method Put -Path /admin/faults -Body @{ latencyMilliseconds = $LatencyMilliseconds }
    # What "idle" is: the processor time this process and the server use in a second of doing nothing, before any batch.
    $cpu = Get-CpuMilliseconds; $serverCpu = Get-CpuMilliseconds $server.Process.Id
    Start-Sleep -Seconds 1
    $idle = [pscustomobject]@{ Process = [math]::Round((Get-CpuMilliseconds) - $cpu); Server = [math]::Round((Get-CpuMilliseconds $server.Process.Id) - $serverCpu) }
    $results = for ($run = 1; $run -le $Runs; $run++) {
        $start = Get-ReviewCount
        if ($Method -eq 'Stop') {
            $ps = [powershell]::Create()
            $null = $ps.AddScript($batch).AddArgument($module).AddArgument($server.Kubeconfig).AddArgument($Rows).AddArgument($ThrottleLimit).AddArgument([bool]$NoProgress)
            $async = $ps.BeginInvoke()
            Wait-Reviews ($start + $StopAfter)
            $before = Get-ReviewCount
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $stopMs = $watch.Elapsed.TotalMilliseconds
            $state = $ps.InvocationStateInfo.State
            $ps.Dispose()
        }
        else {
            $script = Join-Path $work 'pty-batch.ps1'
            Set-Content -LiteralPath $script -Value @"
`$batch = { $batch }
try {
    [Console]::Out.WriteLine('STARTED'); [Console]::Out.Flush()
    & `$batch '$module' '$($server.Kubeconfig)' $Rows $ThrottleLimit $([int][bool]$NoProgress)
    [Console]::Out.WriteLine('COMPLETED')
}
finally {
    # The moment the command returned, first; then the processor time snapshots (which take a while themselves).
    `$returned = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
    `$self = [System.Diagnostics.Process]::GetCurrentProcess()
    `$threads = { $threadCpu }
    `$threadsAtReturn = & `$threads
    [Console]::Out.WriteLine('RETURNED ' + `$returned + ' ' + [long]`$self.TotalProcessorTime.TotalMilliseconds); [Console]::Out.Flush()
    # Stays alive (doing nothing) through the grace period and a second more: whatever the module left running would
    # still send requests and use processor time.
    [System.Threading.Thread]::Sleep($GraceMilliseconds + 1000)
    `$self.Refresh()
    `$threadsLater = & `$threads
    `$busy = & { $busyThreads } `$threadsAtReturn `$threadsLater
    [Console]::Out.WriteLine('BUSY ' + `$busy + ' END'); [Console]::Out.WriteLine('IDLE ' + [long]`$self.TotalProcessorTime.TotalMilliseconds); [Console]::Out.Flush()
}
"@
            $pwsh = [Environment]::ProcessPath
            $pwshArgs = if ([System.IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { @($pwsh, (Join-Path $PSHOME 'pwsh.dll')) } else { @($pwsh) }
            $pwshArgs += '-NoProfile', '-File', $script
            # python3: fork the child on a pty; once the reviews flow (a file the parent creates), type ETX; report times.
            $python = @'
import os, pty, re, sys, time, json, select
args = json.loads(sys.argv[1]); go = sys.argv[2]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(args[0], args)
out = b''
# Acts as the terminal: answers each cursor position query (ESC [6n, sent when the host draws progress) as a terminal
# emulator would; unanswered, every progress update would wait for the reply.
def pump(timeout):
    global out
    r, _, _ = select.select([fd], [], [], timeout)
    if r:
        try: data = os.read(fd, 65536)
        except OSError: return False
        out += data
        for _ in range(data.count(b'\x1b[6n')): os.write(fd, b'\x1b[1;1R')
        out = out[-65536:]
    return True
while not os.path.exists(go):
    pump(0.02)
sent = time.time() * 1000
os.write(fd, b'\x03')
deadline = time.time() + 60
again = None
while b'IDLE' not in out and time.time() < deadline:
    if not pump(0.01): break
    # No return 5 s after the keystroke: press Ctrl+C once more (was the first one lost, or is the command stuck?).
    if again is None and b'RETURNED' not in out and time.time() * 1000 - sent > 5000:
        again = time.time() * 1000; os.write(fd, b'\x03')
# The progress display may precede it on the same line.
found = re.search(rb'RETURNED (\d+) (\d+)', out)
returned = int(found.group(1)) if found else None
idle = re.search(rb'IDLE (\d+)', out)
cpu = int(idle.group(1)) - int(found.group(2)) if found and idle else None
busy = re.search(rb'BUSY (.*?) END', out)
os.kill(pid, 9); os.waitpid(pid, 0)
print(json.dumps({'sent': sent, 'returned': returned, 'cpu': cpu, 'again': again, 'busy': busy.group(1).decode() if busy else None, 'completed': b'COMPLETED' in out, 'tail': out.decode('utf-8', 'replace')[-2000:]}))
'@
            $go = Join-Path $work "go-$run"
            $pythonArgs = @('-c', $python, (ConvertTo-Json -Compress -InputObject @($pwshArgs)), $go)
            $job = Start-ThreadJob { param($a) & python3 @a } -ArgumentList (, $pythonArgs)
            try { Wait-Reviews ($start + $StopAfter) }
            catch {
                # The child never got going: stop it and show what it wrote.
                New-Item -ItemType File -Path $go | Out-Null
                throw "$_ The child wrote: $(($job | Wait-Job | Receive-Job | ConvertFrom-Json).tail)"
            }
            $before = Get-ReviewCount
            New-Item -ItemType File -Path $go | Out-Null
            # The reviews counted over time (wall clock in ms), to find the count at the child's return plus the grace period.
            $samples = [System.Collections.Generic.List[object]]::new()
            while ($job.State -eq 'Running') {
                $samples.Add([pscustomobject]@{ At = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds(); Reviews = Get-ReviewCount })
                Start-Sleep -Milliseconds 20
            }
            $report = $job | Receive-Job | ConvertFrom-Json
            $stopMs = if ($report.returned -and -not $report.again) { $report.returned - $report.sent } else { $null }
            $state = if ($report.completed) { 'Completed' } elseif ($report.again -and $report.returned) { "StoppedBySecondCtrlC after $([math]::Round($report.returned - $report.again)) ms" } elseif ($report.returned) { 'Stopped' } else { 'NoReturn' }
            if ($state -eq 'NoReturn') { Write-Warning "The child did not report its return; it wrote: $($report.tail)" }
        }
        if ($Method -eq 'Stop') {
            $atStop = Get-ReviewCount
            Start-Sleep -Milliseconds $GraceMilliseconds
            $afterGrace = Get-ReviewCount
            $cpu = Get-CpuMilliseconds
            $threadsAtStop = & $threadCpu
            $serverCpu = Get-CpuMilliseconds $server.Process.Id
            Start-Sleep -Seconds 1
            $processCpu = [math]::Round((Get-CpuMilliseconds) - $cpu)
            $busy = & $busyThreads $threadsAtStop (& $threadCpu)
        }
        else {
            # The child stayed alive for the grace period and a second after its return, and reported its processor time.
            $atReturn = if ($report.returned) { $report.returned } else { [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() }
            # The last count taken at or before the return (else the one before the keystroke), and at the grace period's end.
            $atStop = $before
            $afterGrace = $null
            foreach ($sample in $samples) {
                if ($sample.At -le $atReturn) { $atStop = $sample.Reviews }
                if ($sample.At -le $atReturn + $GraceMilliseconds) { $afterGrace = $sample.Reviews }
            }
            if ($null -eq $afterGrace -or $afterGrace -lt $atStop) { $afterGrace = $atStop }
            $serverCpu = Get-CpuMilliseconds $server.Process.Id
            Start-Sleep -Seconds 1
            $processCpu = $report.cpu
            $busy = $report.busy
        }
        [pscustomobject]@{
            Run                      = $run
            Method                   = $Method
            State                    = $state
            StopMilliseconds         = if ($null -ne $stopMs) { [math]::Round($stopMs, 1) } else { $null }
            ReviewsBeforeStop        = $before - $start
            ReviewsDuringStop        = $atStop - $before
            ReviewsInGrace           = $afterGrace - $atStop
            ReviewsAfterGrace        = (Get-ReviewCount) - $afterGrace
            ProcessCpuMsInNextSecond = $processCpu
            BusyThreadsMs            = $busy
            ServerCpuMsInNextSecond  = [math]::Round((Get-CpuMilliseconds $server.Process.Id) - $serverCpu)
        }
    }
    if ($PassThru) { return $results }
    $results
    $median = { param($values) $sorted = @($values | Sort-Object); if ($sorted.Count % 2) { $sorted[[int][math]::Floor($sorted.Count / 2)] } else { ($sorted[$sorted.Count / 2 - 1] + $sorted[$sorted.Count / 2]) / 2 } }
    [pscustomobject]@{
        Summary                        = "$Method, $Runs runs of $Rows rows, latency $LatencyMilliseconds ms, -ThrottleLimit $ThrottleLimit$(if ($NoProgress) { ', no progress display' })"
        # Over the runs stopped by the first Ctrl+C; the others are counted apart.
        MedianStopMilliseconds         = & $median @($results.StopMilliseconds | Where-Object { $null -ne $_ })
        MaxStopMilliseconds            = ($results.StopMilliseconds | Measure-Object -Maximum).Maximum
        RunsNotStoppedByFirstStop      = @($results | Where-Object State -NE 'Stopped').Count
        TotalReviewsAfterGrace         = ($results.ReviewsAfterGrace | Measure-Object -Sum).Sum
        MedianProcessCpuMsInNextSecond = & $median $results.ProcessCpuMsInNextSecond
        MedianServerCpuMsInNextSecond  = & $median $results.ServerCpuMsInNextSecond
        IdleCpuMsPerSecond             = "process $($idle.Process), server $($idle.Server) (before the first batch)"
        LoadAverage                    = if (Test-Path /proc/loadavg) { (Get-Content /proc/loadavg) } else { $null }
        Date                           = [DateTime]::UtcNow.ToString('yyyy-MM-dd HH:mm') + 'Z'
    }
}
finally {
    Stop-LocalApiServer -Server $server
    Remove-Item -Recurse -Force -LiteralPath $work -ErrorAction Ignore
}

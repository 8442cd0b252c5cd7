<#
    Hostile inputs (issue 11), one place for: running cases in a child pwsh (Invoke-HostileCases, used by
    Hostile.Tests.ps1's hand-written cases and by the generated suite), the seeded generators (kubeconfigs, tokens,
    policy files), the malformed-HTTP test server, and the judge (Test-HostileResult). Fuzz.Tests.ps1 runs a bounded
    subset in CI; scripts/Invoke-HostileSuite.ps1 -Full runs the full counts. The same seed gives the same inputs.
    Not a test file: Pester runs only *.Tests.ps1.
#>

. (Join-Path $PSScriptRoot 'TestServer.ps1')

function Invoke-HostileCases {
    # Runs the cases (name = script text) in one child pwsh with the staged module, each timed and reported as one
    # JSON line: Name, Ok, Id (FullyQualifiedErrorId), Category, Message, Output, Ms (wall clock), CpuMs (the child's
    # processor time, which a busy test machine inflates far less than wall time; the child runs without tiered
    # compilation, so it is the case's own), PeakMB (the child's peak working set so far),
    # PeakGrowthMB (how far this case raised that peak) and AllocMB (bytes the case allocated). $Prelude runs first
    # (inputs that cannot be written into script text). The child is killed after $TimeoutSeconds; a case that never
    # reported (crash or hang) comes back with Missing = $true.
    param(
        [Parameter(Mandatory)] [System.Collections.Specialized.OrderedDictionary] $Cases,
        [int] $TimeoutSeconds = 90,
        [string] $Prelude = '',
        [string] $WorkDirectory = [System.IO.Path]::GetTempPath()
    )
    Wait-HostileChild (Start-HostileChild -Cases $Cases -Prelude $Prelude -WorkDirectory $WorkDirectory) -TimeoutSeconds $TimeoutSeconds
}

function Start-HostileChild {
    # Invoke-HostileCases in two halves, so that several children can run at once (HTTP cases mostly wait).
    param([System.Collections.Specialized.OrderedDictionary] $Cases, [string] $Prelude, [string] $WorkDirectory)
    $body = [System.Text.StringBuilder]::new()
    [void]$body.AppendLine("`$ErrorActionPreference = 'Stop'; `$WarningPreference = 'SilentlyContinue'; Import-Module '$(Get-StagedModulePath)'")
    [void]$body.AppendLine($Prelude)
    [void]$body.AppendLine(@'
function Measure-Case([string] $Name, [scriptblock] $Case) {
    [GC]::Collect()
    $process = [System.Diagnostics.Process]::GetCurrentProcess()
    $peak = $process.PeakWorkingSet64
    $allocated = [GC]::GetTotalAllocatedBytes($false)
    $cpu = $process.TotalProcessorTime
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $result = [ordered]@{ Name = $Name; Ok = $true; Id = $null; Category = $null; Message = $null; Output = $null }
    try { $result.Output = @(& $Case 2>&1 | Select-Object -First 20 | ForEach-Object { if ($_ -is [System.Management.Automation.ErrorRecord]) { "ERROR " + $_.FullyQualifiedErrorId + " " + $_.CategoryInfo.Category } else { "$_".Substring(0, [Math]::Min(200, "$_".Length)) } }) }
    catch {
        $result.Ok = $false
        $result.Id = $_.FullyQualifiedErrorId
        $result.Category = "$($_.CategoryInfo.Category)"
        $result.Message = $_.Exception.Message.Substring(0, [Math]::Min(2000, $_.Exception.Message.Length))
    }
    $result.Ms = [int]$watch.Elapsed.TotalMilliseconds
    $process.Refresh()
    $result.CpuMs = [int]($process.TotalProcessorTime - $cpu).TotalMilliseconds
    $result.PeakMB = [int]($process.PeakWorkingSet64 / 1MB)
    $result.PeakGrowthMB = [int](($process.PeakWorkingSet64 - $peak) / 1MB)
    $result.AllocMB = [int](([GC]::GetTotalAllocatedBytes($false) - $allocated) / 1MB)
    [Console]::Out.WriteLine('RESULT ' + ($result | ConvertTo-Json -Compress -Depth 3))
}
'@)
    foreach ($name in $Cases.Keys) {
        [void]$body.AppendLine("Measure-Case '$name' { $($Cases[$name]) }")
    }
    $scriptFile = Join-Path $WorkDirectory ("child-" + [guid]::NewGuid().ToString('N') + ".ps1")
    Set-Content -Path $scriptFile -Value $body.ToString()

    $process = [Environment]::ProcessPath
    $start = [System.Diagnostics.ProcessStartInfo]::new($process)
    if ([System.IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') { $start.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
    foreach ($a in '-NoProfile', '-NonInteractive', '-File', $scriptFile) { $start.ArgumentList.Add($a) }
    # Without tiered compilation: the runtime otherwise recompiles hot code on a background thread of its own for
    # seconds after a case, and that work was counted against the next case (Thread.Sleep(5000) measured 0.4-1.1 s
    # of processor time, the status-500-ansi snapshot 0.3-0.96 s and once, on a loaded CI machine, 2.03 s; with
    # tiering off: 9-14 ms and 72-98 ms). Each method is compiled once, fully, within the case that first calls it.
    $start.Environment['DOTNET_TieredCompilation'] = '0'
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $start.UseShellExecute = $false
    $child = [System.Diagnostics.Process]::Start($start)
    $stdout = $child.StandardOutput.ReadToEndAsync()
    $stderr = $child.StandardError.ReadToEndAsync()
    @{ Child = $child; Stdout = $stdout; Stderr = $stderr; Cases = $Cases; Script = $scriptFile; Started = [DateTime]::UtcNow }
}

function Wait-HostileChild {
    param($Handle, [int] $TimeoutSeconds)
    $child = $Handle.Child; $stdout = $Handle.Stdout; $stderr = $Handle.Stderr; $Cases = $Handle.Cases; $scriptFile = $Handle.Script
    $left = [Math]::Max(0, $TimeoutSeconds * 1000 - [int]([DateTime]::UtcNow - $Handle.Started).TotalMilliseconds)
    $exited = $child.WaitForExit($left)
    if (-not $exited) { $child.Kill($true); $child.WaitForExit() }
    Remove-Item -LiteralPath $scriptFile -ErrorAction Ignore
    $reported = @{}
    foreach ($line in ($stdout.Result -split "`n")) {
        if ($line.StartsWith('RESULT ')) { $r = $line.Substring(7) | ConvertFrom-Json; $reported[$r.Name] = $r }
    }
    foreach ($name in $Cases.Keys) {
        if ($reported.ContainsKey($name)) { $reported[$name] | Add-Member ExitCode $child.ExitCode -PassThru }
        else {
            [pscustomobject]@{ Name = $name; Missing = $true; ExitCode = $(if ($exited) { $child.ExitCode } else { 'killed after timeout' }); Stderr = ($stderr.Result | Select-Object -First 1) }
        }
    }
}

function Assert-TypedFailure {
    # A typed error with the expected id, in time, with bounded memory; the message must match $Like when given.
    param($Result, [string] $Id, [string] $Like, [int] $MaxMs = 2000, [int] $MaxPeakMB = 1024)
    $Result.Missing | Should -Not -BeTrue -Because "case '$($Result.Name)' must report (exit: $($Result.ExitCode); $($Result.Stderr))"
    $Result.Ok | Should -BeFalse -Because "case '$($Result.Name)' must fail"
    $Result.Id | Should -BeLike "$Id,*" -Because "case '$($Result.Name)': $($Result.Message)"
    $Result.Category | Should -Not -Be 'NotSpecified' -Because "case '$($Result.Name)'"
    if ($Like) { $Result.Message | Should -BeLike $Like -Because "case '$($Result.Name)'" }
    Assert-Fast $Result $MaxMs
    $Result.PeakMB | Should -BeLessThan $MaxPeakMB -Because "case '$($Result.Name)' must use bounded memory"
}

function Assert-Fast($Result, [int] $MaxMs) {
    # Processor time is the bound (a loaded CI machine stretches wall time); wall time only catches a hang.
    $Result.CpuMs | Should -BeLessThan $MaxMs -Because "case '$($Result.Name)' must finish fast (processor time)"
    $Result.Ms | Should -BeLessThan (10 * $MaxMs) -Because "case '$($Result.Name)' must not wait (wall time)"
}

function Get-DocumentedErrorId {
    # The ids of the ERROR IDS table in about_K8sServiceAccount (an id, spaces, a category on one line).
    $about = Join-Path $PSScriptRoot '../../module/en-US/about_K8sServiceAccount.help.txt'
    $table = (Get-Content -Raw -LiteralPath $about) -split 'ERROR IDS', 2 | Select-Object -Last 1
    [regex]::Matches($table, '(?m)^\s{4}([A-Z][A-Za-z0-9]+)\s{2,}[A-Z][A-Za-z]+\s*$') | ForEach-Object { $_.Groups[1].Value }
}

function Test-HostileResult {
    # $null when the result is acceptable, else why not: an answer or a typed, documented error, in time, bounded memory.
    param($Result, [string[]] $DocumentedIds, [int] $MaxCpuMs = 2000, [int] $MaxWallMs = 20000, [int] $MaxGrowthMB = 256)
    if ($Result.Missing) { return "never reported (exit $($Result.ExitCode)): crash or hang" }
    $ids = @()
    if (-not $Result.Ok) { $ids += , @($Result.Id, $Result.Category) }
    foreach ($line in $Result.Output) { if ("$line" -match '^ERROR (\S+) (\S+)') { $ids += , @($Matches[1], $Matches[2]) } }
    foreach ($pair in $ids) {
        $id = ($pair[0] -split ',')[0]
        if ($pair[1] -eq 'NotSpecified') { return "category NotSpecified ($($pair[0]): $($Result.Message))" }
        # Kubernetes<Reason> (a Status reason: letters) and KubernetesHttp<Code> are documented as patterns.
        if ($id -like 'System.*' -or ($id -notin $DocumentedIds -and $id -cnotmatch '^Kubernetes([A-Z][A-Za-z]{1,63}|Http\d{3})$')) { return "undocumented id $($pair[0]): $($Result.Message)" }
    }
    if ($Result.CpuMs -ge $MaxCpuMs) { return "took $($Result.CpuMs) ms of processor time" }
    if ($Result.Ms -ge $MaxWallMs) { return "took $($Result.Ms) ms" }
    if ($Result.PeakGrowthMB -ge $MaxGrowthMB) { return "raised the peak working set by $($Result.PeakGrowthMB) MB" }
    $null
}

# ---------------------------------------------------------------------------------------------------------------
# Generators. Each takes a System.Random (seeded by the caller) and a directory, writes its inputs there and returns
# an ordered dictionary: case name => script text for Invoke-HostileCases.

function New-HostileSpecialFiles([string] $Directory) {
    # The files the mutations point at: a FIFO, a directory, a sparse 100 MB file, an empty file, a non-PEM file.
    $special = [ordered]@{ Directory = Join-Path $Directory 'adir'; Huge = Join-Path $Directory 'huge.bin'; Empty = Join-Path $Directory 'empty'; Text = Join-Path $Directory 'text.pem' }
    New-Item -ItemType Directory -Path $special.Directory -Force | Out-Null
    $stream = [System.IO.File]::Create($special.Huge); $stream.SetLength(100MB); $stream.Dispose()
    [System.IO.File]::WriteAllText($special.Empty, '')
    [System.IO.File]::WriteAllText($special.Text, "-----BEGIN CERTIFICATE-----`nnot base64 at all`n-----END CERTIFICATE-----`n")
    if (-not $IsWindows) {
        $special.Fifo = Join-Path $Directory 'fifo'
        if (-not (Test-Path $special.Fifo)) { & mkfifo $special.Fifo }
    }
    $special
}

function Get-HostilePick([System.Random] $Random, [object[]] $Items) { $Items[$Random.Next($Items.Count)] }

function Join-HostileBytes([byte[]] $First, [byte[]] $Second) {
    $all = [byte[]]::new($First.Length + $Second.Length)
    $First.CopyTo($all, 0); $Second.CopyTo($all, $First.Length)
    , $all
}

function Get-HostileBomb([System.Random] $Random, [string] $Indent) {
    # A depth bomb (flow or block) or an alias bomb, as a YAML value to put after "key:".
    switch ($Random.Next(4)) {
        0 { $n = Get-HostilePick $Random @(64, 200, 1000, 45000); ('[' * $n) + (']' * $n) }
        1 { $n = Get-HostilePick $Random @(64, 200, 5000); ('{a: ' * $n) + '1' + ('}' * $n) }
        2 {
            $lines = @("`n$Indent  a0: &a0 [lol,lol,lol,lol,lol,lol,lol,lol,lol]")
            foreach ($i in 1..9) { $lines += "$Indent  a${i}: &a$i [" + ((@("*a$($i - 1)") * 9) -join ',') + ']' }
            $lines -join "`n"
        }
        3 { $n = Get-HostilePick $Random @(100, 2000); "`n" + (-join @(foreach ($k in 0..($n - 1)) { "$Indent" + (' ' * $k) + "- `n" })) }
    }
}

function ConvertTo-HostileLiteral([string] $Text) { "'" + $Text.Replace("'", "''") + "'" }

$script:HostileBadStrings = @(
    '', '~', 'null', '[]', '{}', '123', '-1', 'true', '0x1F', '1e400', '!!binary AAAA', '"\ud800"', '"\udc00\ud800"', '"a\u0000b"',
    '"a\r\nb: c"', '"\u001b[2J\u001b[31mFAKE"', "'x'`n  extra: 1", '&a x', '*nope', '!!python/object:os.system x', '? complex',
    '"' + ('x' * 70000) + '"', '|', '>-', '@', '`', '%', 'a: b: c', '- a', '[a, b', '{a: 1', '"unterminated', "'unterminated",
    'http://[::1', 'https://127.0.0.1:1/path?q#f', 'https://user:pw@127.0.0.1:1', 'ftp://127.0.0.1:1', '127.0.0.1:1', '/relative/../path',
    '../../../../etc/passwd', 'C:\windows\x', '!!int abc', '!!str', '!!map []', '.inf', '.nan', '2001-01-01', '0o777', '=')

function New-HostileKubeconfigs {
    param([Parameter(Mandatory)] [System.Random] $Random, [Parameter(Mandatory)] [int] $Count, [Parameter(Mandatory)] [string] $Directory, $Special)
    $fixtures = Get-ChildItem -Recurse -File -Path (Join-Path $PSScriptRoot '../K8sServiceAccount.Client.Tests/Fixtures/Kubeconfig') -Include *.yaml, *.yml, config |
        Sort-Object FullName | ForEach-Object {
            # Never a real host: every server is a closed local port, so the cases that get as far as a request fail at once.
            (Get-Content -Raw -LiteralPath $_.FullName) -replace '(?m)^(\s*server:\s*).*$', '${1}https://127.0.0.1:1'
        } | Where-Object { $_ }
    $fileKeys = 'certificate-authority', 'client-certificate', 'client-key', 'tokenFile'
    $dataKeys = 'certificate-authority-data', 'client-certificate-data', 'client-key-data'
    $paths = @('/dev/zero', '/dev/null', '/dev/urandom', '/dev/full', '/nonexistent/x', 'relative/x.pem', '../x.pem', '', '.', '/') + @($Special.Values)
    $badData = @('!!!!', 'AAA', 'A', '====', ('QUFB' * 30000), [Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes('not a pem')),
        [Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes("-----BEGIN CERTIFICATE-----`n@@@@`n-----END CERTIFICATE-----`n")),
        [Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes("-----BEGIN RSA PRIVATE KEY-----`nAAAA`n-----END RSA PRIVATE KEY-----`n")),
        [Convert]::ToBase64String([byte[]](0..255)), 'QUJD QUJD', "QUJD`tQUJD")
    $cases = [ordered]@{}
    for ($i = 0; $i -lt $Count; $i++) {
        $text = Get-HostilePick $Random $fixtures
        $lines = [System.Collections.Generic.List[string]]::new([string[]]($text -split "`r?`n"))
        $kind = $Random.Next(14)
        $encoding = 'utf8'
        $pick = { $Random.Next([Math]::Max(1, $lines.Count)) }
        switch ($kind) {
            0 { if ($lines.Count) { for ($k = 0; $k -le $Random.Next(3); $k++) { if ($lines.Count) { $lines.RemoveAt((& $pick)) } } } }
            1 {
                $j = & $pick
                if ($lines.Count -and $lines[$j] -match '^(\s*-?\s*[\w.-]+:)') { $lines[$j] = $Matches[1] + ' ' + (Get-HostilePick $Random $script:HostileBadStrings) }
                else { $lines.Add('current-context: ' + (Get-HostilePick $Random $script:HostileBadStrings)) }
            }
            2 {
                $key = Get-HostilePick $Random @('preferences', 'extensions', 'clusters', 'users', 'contexts', 'current-context')
                $lines.Add("${key}: " + (Get-HostileBomb $Random ''))
            }
            3 {
                $key = Get-HostilePick $Random $fileKeys
                $section = if ($key -eq 'certificate-authority') { "clusters:`n- name: hc`n  cluster:`n    server: https://127.0.0.1:1`n    ${key}: " } else { "users:`n- name: hu`n  user:`n    ${key}: " }
                $ctx = "contexts:`n- name: hx`n  context: {cluster: hc, user: hu}`ncurrent-context: hx"
                $cl = if ($key -ne 'certificate-authority') { "clusters:`n- name: hc`n  cluster:`n    server: https://127.0.0.1:1" } else { "users:`n- name: hu`n  user: {token: abc}" }
                $pair = if ($key -eq 'client-certificate') { "`n    client-key: '$($Special.Text)'" } elseif ($key -eq 'client-key') { "`n    client-certificate: '$($Special.Text)'" } else { '' }
                $lines = [System.Collections.Generic.List[string]]::new([string[]]("apiVersion: v1`nkind: Config`n$section'$(Get-HostilePick $Random $paths)'$pair`n$cl`n$ctx" -split "`n"))
            }
            4 {
                $key = Get-HostilePick $Random $dataKeys
                $section = if ($key -like 'certificate-authority*') { "clusters:`n- name: hc`n  cluster:`n    server: https://127.0.0.1:1`n    ${key}: " } else { "users:`n- name: hu`n  user:`n    ${key}: " }
                $cl = if ($key -notlike 'certificate-authority*') { "clusters:`n- name: hc`n  cluster:`n    server: https://127.0.0.1:1" } else { "users:`n- name: hu`n  user: {token: abc}" }
                $pair = if ($key -eq 'client-certificate-data') { "`n    client-key-data: $(Get-HostilePick $Random $badData)" } elseif ($key -eq 'client-key-data') { "`n    client-certificate-data: $(Get-HostilePick $Random $badData)" } else { '' }
                $lines = [System.Collections.Generic.List[string]]::new([string[]]("apiVersion: v1`nkind: Config`n$section$(Get-HostilePick $Random $badData)$pair`n$cl`ncontexts:`n- name: hx`n  context: {cluster: hc, user: hu}`ncurrent-context: hx" -split "`n"))
            }
            5 { if ($lines.Count) { $j = & $pick; $lines.Insert($j, $lines[$j]) } }
            6 {
                $j = & $pick
                $bad = Get-HostilePick $Random @('"\ud800"', '"\udfff\ud800"', '"x\ud83d"', '"\U0010FFFF"', '"\U00110000"', '"\x00"')
                if ($lines.Count -and $lines[$j] -match '^(\s*-?\s*[\w.-]+:)\s*\S') { $lines[$j] = $Matches[1] + ' ' + $bad } else { $lines.Add("current-context: $bad") }
            }
            7 { $lines.Add((Get-HostilePick $Random @("---", "---`n{}", "---`n$text", "---`n- a", "...`n---`nkind: Config", "---`n!!binary AAAA"))) }
            8 { $encoding = Get-HostilePick $Random @('utf8bom', 'utf16le', 'utf16be', 'utf32', 'latin1', 'nul', 'bombom', 'cr') }
            9 { $j = & $pick; if ($lines.Count -and $lines[$j] -match '^(\s*-?\s*[\w.-]+:)') { $lines[$j] = $Matches[1] } }
            10 { $cut = $Random.Next([Math]::Max(1, $text.Length)); $lines = [System.Collections.Generic.List[string]]::new([string[]]($text.Substring(0, $cut) -split "`n")) }
            11 { $j = & $pick; if ($lines.Count) { $lines[$j] = $lines[$j].Insert($Random.Next($lines[$j].Length + 1), [string][char](Get-HostilePick $Random @(0, 1, 7, 9, 0x1b, 0x7f, 0x85, 0x2028, 0xFEFF, 0xFFFE))) } }
            12 { $lines = [System.Collections.Generic.List[string]]::new([string[]]((Get-HostilePick $Random @('{}', '[]', 'null', '42', '"x"', '{"apiVersion":"v1","kind":"Config","clusters":{}}', '{"clusters":[{"name":"a","cluster":null}],"users":[null],"contexts":[{"name":"c","context":"x"}],"current-context":"c"}', '{"a":1,"a":2}', ('{"x":' * 5000) + ('}' * 5000))) -split "`n")) }
            13 {
                # Relative references and a tokenFile next to the kubeconfig.
                $rel = Get-HostilePick $Random @('token', './token', '../token', 'sub/../token', '~/nope', 'token/')
                $lines = [System.Collections.Generic.List[string]]::new([string[]]("apiVersion: v1`nkind: Config`nclusters:`n- name: hc`n  cluster: {server: 'https://127.0.0.1:1', certificate-authority: '$rel'}`nusers:`n- name: hu`n  user: {tokenFile: '$rel'}`ncontexts:`n- name: hx`n  context: {cluster: hc, user: hu, namespace: '$rel'}`ncurrent-context: hx" -split "`n"))
            }
        }
        $final = $lines -join "`n"
        $file = Join-Path $Directory ("k$i.kubeconfig")
        # Byte arrays are kept whole (never enumerated into the pipeline: that boxes every byte).
        $bytes = switch ($encoding) {
            'utf8' { , [Text.Encoding]::UTF8.GetBytes($final) }
            'utf8bom' { , (Join-HostileBytes ([byte[]](0xEF, 0xBB, 0xBF)) ([Text.Encoding]::UTF8.GetBytes($final))) }
            'bombom' { , (Join-HostileBytes ([byte[]](0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF)) ([Text.Encoding]::UTF8.GetBytes($final))) }
            'utf16le' { , (Join-HostileBytes ([Text.Encoding]::Unicode.GetPreamble()) ([Text.Encoding]::Unicode.GetBytes($final))) }
            'utf16be' { , (Join-HostileBytes ([Text.Encoding]::BigEndianUnicode.GetPreamble()) ([Text.Encoding]::BigEndianUnicode.GetBytes($final))) }
            'utf32' { , (Join-HostileBytes ([Text.Encoding]::UTF32.GetPreamble()) ([Text.Encoding]::UTF32.GetBytes($final))) }
            'latin1' { , [Text.Encoding]::Latin1.GetBytes($final + "`n# caf`u{e9} `u{ff}`n") }
            'nul' { , [Text.Encoding]::UTF8.GetBytes($final.Insert($Random.Next($final.Length + 1), "`0")) }
            'cr' { , [Text.Encoding]::UTF8.GetBytes($final.Replace("`n", "`r")) }
        }
        [System.IO.File]::WriteAllBytes($file, [byte[]]$bytes)
        # Parse only, or as far as a request (every server is a closed port).
        $cases["kubeconfig-$i-m$kind-$encoding"] = if ($Random.Next(2)) { "Get-K8sContext -Kubeconfig '$file'" } else { "Get-K8sServiceAccount -Kubeconfig '$file' -Name x" }
    }
    $cases
}

function ConvertTo-Base64Url([byte[]] $Bytes) { [Convert]::ToBase64String($Bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_') }

function New-HostileTokens {
    # Tokens are written one a line as the base64 of their UTF-16 code units (so NUL, CR/LF and lone surrogates survive);
    # the returned Prelude loads them into $T.
    param([Parameter(Mandatory)] [System.Random] $Random, [Parameter(Mandatory)] [int] $Count, [Parameter(Mandatory)] [string] $Directory)
    $b64 = { param([string] $s) ConvertTo-Base64Url ([Text.Encoding]::UTF8.GetBytes($s)) }
    $good = [ordered]@{ iss = 'https://kubernetes.default.svc'; sub = 'system:serviceaccount:ns:sa'; aud = @('api'); exp = 4102444800; iat = 1700000000; nbf = 1700000000
        'kubernetes.io' = [ordered]@{ namespace = 'ns'; serviceaccount = [ordered]@{ name = 'sa'; uid = 'u' }; pod = [ordered]@{ name = 'p'; uid = 'pu' } } }
    $claimNames = @('iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti', 'kubernetes.io')
    $badValues = @('null', '1', '-1', '1e400', '1.5', '"x"', '[]', '{}', 'true', '[null]', '"\ud800"', '"\u0000"', '"\u001b[31mWARNING: fake"', '"a\r\nb"',
        '{"namespace":[],"serviceaccount":"x"}', '{"namespace":null,"serviceaccount":{"name":{},"uid":5}}', '99999999999999999999999', '"' + ('x' * 1048576) + '"',
        ('[' * 2000) + (']' * 2000), '{"a":{"a":{"a":{"a":{"a":{"a":{}}}}}}}')
    $lines = [System.Collections.Generic.List[string]]::new()
    $names = [System.Collections.Generic.List[string]]::new()
    for ($i = 0; $i -lt $Count; $i++) {
        $header = Get-HostilePick $Random @('{"alg":"RS256","kid":"k"}', '{"alg":"none"}', '{"alg":"none","typ":"JWT"}', '{}', '[]', 'null', '{"alg":5}', 'not json', '{"alg":"RS256"')
        $claims = ($good | ConvertTo-Json -Compress -Depth 5)
        $kind = $Random.Next(12)
        switch ($kind) {
            0 { $name = Get-HostilePick $Random $claimNames; $claims = $claims -replace ('"' + [regex]::Escape($name) + '":("[^"]*"|\d+|\[[^\]]*\]|\{.*\}\})'), ('"' + $name + '":' + (Get-HostilePick $Random $badValues)) }
            1 { $claims = $claims.Substring(0, $Random.Next($claims.Length)) }
            2 { $claims = Get-HostilePick $Random @('null', '[]', '"x"', '42', 'true', '', ' ', 'not json', '{"iss":"x","iss":"y"}', '{"exp":1,"exp":"x"}', '{"sub":"\ud800"}', '\u0000') }
            3 { $claims = $claims.TrimEnd('}') + ',"extra":' + (Get-HostilePick $Random $badValues) + '}' }
            4 { $claims = '{"sub":"' + (Get-HostilePick $Random @('system:serviceaccount:', 'system:serviceaccount:ns', 'system:serviceaccount::', 'system:serviceaccount:ns:sa:x', ':::', 'system:serviceaccount:' + ('n' * 300) + ':sa', 'system:serviceaccount:NS:SA')) + '"}' }
            default { }
        }
        $parts = @((& $b64 $header), (& $b64 $claims), (ConvertTo-Base64Url ([byte[]](1..32 | ForEach-Object { $Random.Next(256) }))))
        switch ($Random.Next(10)) {
            0 { $parts = $parts[0..1] }
            1 { $parts = $parts + @('x') }
            2 { $parts = $parts + @('x', 'y') }
            3 { $parts[1] = Get-HostilePick $Random @('!!!', 'a', '=', 'YQ==', 'a b', '%%', '', "a`tb", 'ab+/', '____', '-' * 5) }
            4 { $parts = @($parts[0], '', '') }
            default { }
        }
        $token = $parts -join '.'
        switch ($Random.Next(8)) {
            0 { $token = $token.Insert($Random.Next($token.Length + 1), (Get-HostilePick $Random @("`r", "`n", "`r`n", "`0", "`t", ' ', "`e[2J", [string][char]0xD800, [string][char]0xDC00, "`u{2028}"))) }
            1 { $token = (Get-HostilePick $Random @('Bearer ', ' ', "`n", '"', "'")) + $token }
            2 { $token = Get-HostilePick $Random @('', ' ', '.', '..', '...', '....', 'a.b', 'a.b.c', 'a.b.c.d.e', ('a' * 100000), "`0", '..sig') }
            default { }
        }
        $chars = $token.ToCharArray(); $units = [byte[]]::new(2 * $chars.Length)
        [Buffer]::BlockCopy($chars, 0, $units, 0, $units.Length)
        $lines.Add([Convert]::ToBase64String($units))
        $names.Add("token-$i-m$kind")
    }
    $file = Join-Path $Directory 'tokens.txt'
    [System.IO.File]::WriteAllLines($file, $lines)
    $prelude = "`$T = @(foreach (`$l in [System.IO.File]::ReadAllLines('$file')) { `$u = [Convert]::FromBase64String(`$l); `$c = [char[]]::new(`$u.Length / 2); [Buffer]::BlockCopy(`$u, 0, `$c, 0, `$u.Length); [string]::new(`$c) })"
    $cases = [ordered]@{}
    for ($i = 0; $i -lt $Count; $i++) {
        $cases[$names[$i]] = if ($i % 4 -eq 3) { "@(`$T[$i], `$T[0]) | ConvertFrom-K8sSaToken -ErrorAction Continue" } else { "ConvertFrom-K8sSaToken -Token `$T[$i]" }
    }
    @{ Cases = $cases; Prelude = $prelude }
}

$script:HostilePolicyEncoding = [System.Text.Encoding]::GetEncoding('utf-8', [System.Text.EncoderReplacementFallback]::new('\ud800'), [System.Text.DecoderFallback]::ReplacementFallback)

function New-HostilePolicies {
    param([Parameter(Mandatory)] [System.Random] $Random, [Parameter(Mandatory)] [int] $Count, [Parameter(Mandatory)] [string] $Directory, $Special)
    $rule = { param($r) [ordered]@{ apiGroups = @(''); resources = @('pods'); verbs = @('get', 'list'); resourceNames = @() } }
    $bases = @(
        [ordered]@{ apiVersion = 'rbac.authorization.k8s.io/v1'; kind = 'Role'; metadata = [ordered]@{ name = 'r'; namespace = 'ns' }; rules = @((& $rule)) }
        [ordered]@{ apiVersion = 'rbac.authorization.k8s.io/v1'; kind = 'ClusterRole'; metadata = [ordered]@{ name = 'c'; labels = [ordered]@{ agg = 'yes' } }; rules = @((& $rule), [ordered]@{ nonResourceURLs = @('/healthz'); verbs = @('get') }) }
        [ordered]@{ apiVersion = 'rbac.authorization.k8s.io/v1'; kind = 'ClusterRole'; metadata = [ordered]@{ name = 'a' }; aggregationRule = [ordered]@{ clusterRoleSelectors = @([ordered]@{ matchLabels = [ordered]@{ agg = 'yes' }; matchExpressions = @([ordered]@{ key = 'agg'; operator = 'In'; values = @('yes') }) }) } }
        [ordered]@{ apiVersion = 'rbac.authorization.k8s.io/v1'; kind = 'RoleBinding'; metadata = [ordered]@{ name = 'b'; namespace = 'ns' }; roleRef = [ordered]@{ apiGroup = 'rbac.authorization.k8s.io'; kind = 'Role'; name = 'r' }; subjects = @([ordered]@{ kind = 'User'; name = 'u'; apiGroup = 'rbac.authorization.k8s.io' }, [ordered]@{ kind = 'ServiceAccount'; name = 'sa'; namespace = 'ns' }) }
        [ordered]@{ apiVersion = 'rbac.authorization.k8s.io/v1'; kind = 'ClusterRoleBinding'; metadata = [ordered]@{ name = 'cb' }; roleRef = [ordered]@{ apiGroup = 'rbac.authorization.k8s.io'; kind = 'ClusterRole'; name = 'a' }; subjects = @([ordered]@{ kind = 'Group'; name = 'g'; apiGroup = 'rbac.authorization.k8s.io' }) }
    )
    $wrong = @($null, 1, -1, 1.5, $true, 'x', '', @(), @($null), [ordered]@{}, @(1, 2), [ordered]@{ a = @($null) }, ('x' * 70000), [string][char]0xD800)
    $cmds = @("Test-K8sPermission -Policy `$P -User u -Verb get -Resource pods -Namespace ns",
        "Test-K8sPermission -Policy `$P -ServiceAccount sa -Namespace ns -Verb get -Resource pods -Explain",
        "Get-K8sPermission -Policy `$P -User u -Group g",
        "Get-K8sPermissionSubject -Policy `$P -Verb get -Resource pods -Namespace ns")
    $cases = [ordered]@{}
    for ($i = 0; $i -lt $Count; $i++) {
        $docs = @(1..($Random.Next(3) + 1) | ForEach-Object { (Get-HostilePick $Random $bases) | ConvertTo-Json -Depth 10 | ConvertFrom-Json -AsHashtable })
        $kind = $Random.Next(10)
        $doc = $docs[0]
        $raw = $null
        switch ($kind) {
            0 {
                # A field of the document, or of its first rule/subject/roleRef/selector, deleted or given a wrong type.
                $target = Get-HostilePick $Random @($doc, $(if ($doc.rules) { $doc.rules[0] }), $doc.roleRef, $(if ($doc.subjects) { $doc.subjects[0] }), $doc.aggregationRule, $doc.metadata) | Where-Object { $_ -is [System.Collections.IDictionary] } | Select-Object -First 1
                if ($target -and $target.Count) {
                    $key = Get-HostilePick $Random @($target.Keys)
                    if ($Random.Next(3) -eq 0) { $target.Remove($key) } else { $target[$key] = Get-HostilePick $Random $wrong }
                }
            }
            1 { foreach ($k in @('rules', 'subjects', 'roleRef', 'aggregationRule', 'metadata', 'kind', 'apiVersion')) { if ($doc.Contains($k) -and $Random.Next(2)) { $doc[$k] = $null } } }
            2 {
                # Huge lists.
                $n = Get-HostilePick $Random @(1000, 20000)
                if ($doc.Contains('rules')) { $doc.rules = @(foreach ($k in 1..$n) { [ordered]@{ apiGroups = @("g$k"); resources = @("r$k"); verbs = @('*') } }) }
                elseif ($doc.Contains('subjects')) { $doc.subjects = @(foreach ($k in 1..$n) { [ordered]@{ kind = 'User'; name = "u$k"; apiGroup = 'rbac.authorization.k8s.io' } }) }
                else { $doc.aggregationRule = [ordered]@{ clusterRoleSelectors = @(foreach ($k in 1..$n) { [ordered]@{ matchLabels = [ordered]@{ "k$k" = 'v' } } }) } }
            }
            3 { $docs = @([ordered]@{ apiVersion = 'v1'; kind = (Get-HostilePick $Random @('List', 'RoleList', 'ClusterRoleList', 'RoleBindingList')); items = (Get-HostilePick $Random @($docs, @($null), 'x', @(1), @([ordered]@{ items = $docs }))) }) }
            4 { $doc.kind = Get-HostilePick $Random @('Pod', 'role', '', 'ClusterRoleBinding', 'Role ', $null, 5) ; $doc.apiVersion = Get-HostilePick $Random @('rbac.authorization.k8s.io/v1', 'rbac.authorization.k8s.io/v1beta1', 'v1', '', 'x/y/z') }
            5 { $raw = 'b' }   # a YAML bomb, below
            6 { $raw = 't' }   # textual damage, below
            7 {
                # Aggregation cycles and self-selection.
                $docs = @(0..($Random.Next(50) + 2) | ForEach-Object { [ordered]@{ apiVersion = 'rbac.authorization.k8s.io/v1'; kind = 'ClusterRole'; metadata = [ordered]@{ name = "c$_"; labels = [ordered]@{ l = "$_"; all = 'y' } }; aggregationRule = [ordered]@{ clusterRoleSelectors = @([ordered]@{ matchLabels = [ordered]@{ l = "$($_ + 1)" } }, [ordered]@{ matchLabels = [ordered]@{ all = 'y' } }, [ordered]@{ matchExpressions = @([ordered]@{ key = 'l'; operator = (Get-HostilePick $Random @('In', 'NotIn', 'Exists', 'DoesNotExist', 'Bogus', $null)); values = @("$_") }) }) }; rules = @((& $rule)) } })
            }
            8 { if ($doc.Contains('subjects')) { $doc.subjects = @($null, [ordered]@{ kind = (Get-HostilePick $Random @('ServiceAccount', 'User', 'Group', 'Bogus', $null, '')); name = (Get-HostilePick $Random @($null, '', 'a:b', 'system:serviceaccount:ns:sa', 5)); namespace = (Get-HostilePick $Random @($null, '', 'NS!', 5)) }) } else { $doc.rules = @([ordered]@{ verbs = (Get-HostilePick $Random @($null, '', @(''), @($null), 'get', @('*'))); resources = (Get-HostilePick $Random @($null, @('pods/'), @('*/*'), @('/'), @(''))); apiGroups = (Get-HostilePick $Random @($null, @('*'), 'x')); nonResourceURLs = (Get-HostilePick $Random @($null, @('*'), @('no-slash'), @('/a*b'))) }) } }
            9 { $docs = @($docs[0]) + @(1..$docs.Count | ForEach-Object { $docs[0] }) }   # duplicate objects
        }
        $json = $Random.Next(3) -eq 0
        if ($json) { $text = if ($docs.Count -eq 1) { $docs[0] | ConvertTo-Json -Depth 20 } else { , $docs | ConvertTo-Json -Depth 20 } }
        else { $text = ($docs | ForEach-Object { $_ | ConvertTo-Json -Depth 20 }) -join "`n---`n" }   # JSON is YAML: flow style documents
        if ($raw -eq 'b') { $text = "apiVersion: rbac.authorization.k8s.io/v1`nkind: Role`nmetadata:`n  name: r`n  annotations:" + (Get-HostileBomb $Random '  ') + "`nrules: []`n"; $json = $false }
        if ($raw -eq 't') {
            $text = switch ($Random.Next(6)) {
                0 { $text.Substring(0, $Random.Next($text.Length)) }
                1 { $text.Replace('"name"', '"name": "dup", "name"') }
                2 { $text.Insert($Random.Next($text.Length), (Get-HostilePick $Random @('\ud800', "`0", "`t", '\u0000', "`e", '"', '}', ']', ',', "`n- x`n"))) }
                3 { "apiVersion: rbac.authorization.k8s.io/v1`nkind: Role`nmetadata: {name: r}`nrules:`n- apiGroups: ['']`n  resources: [pods]`n  verbs: [get]`n  verbs: [list]`n" }
                4 { "kind: Role`nrules: &r [*r]`n" }
                5 { "--- !!map`n? [a, b]`n: c`n---`n- - - x`n---`n%YAML 1.1`n--- &a {a: *a}`n" }
            }
        }
        $ext = if ($json) { 'json' } else { Get-HostilePick $Random @('yaml', 'yml') }
        $file = Join-Path $Directory "p$i.$ext"
        # A lone surrogate (a wrong value, or damage) cannot be written as UTF-8: it is written as the escape \ud800,
        # which a JSON or double-quoted YAML string reads back as the lone surrogate (strict UTF-8 would throw here).
        [System.IO.File]::WriteAllBytes($file, $script:HostilePolicyEncoding.GetBytes($text))
        $source = if ($Random.Next(6) -eq 0) { "(Get-Item '$file')" } elseif ($Random.Next(8) -eq 0 -and $Special) { "'$(Get-HostilePick $Random @('/dev/zero', $Special.Huge, $Special.Directory, $Special.Empty, '/nonexistent.yaml'))'" } else { "'$file'" }
        $cases["policy-$i-m$kind-$ext"] = (Get-HostilePick $Random $cmds).Replace('$P', $source)
    }
    $cases
}

# ---------------------------------------------------------------------------------------------------------------
# The malformed-HTTP server: a raw TCP listener (never the real local API server) whose answer to every request is
# chosen by [HostileHttpServer]::Mode, set by each case before it calls a cmdlet. It runs inside the child pwsh.

$script:HostileHttpSource = @'
using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

public static class HostileHttpServer
{
    public static volatile string Mode = "ok";
    public static int Port;
    private static TcpListener listener;

    public static int Start()
    {
        listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        Task.Run(async () => { while (true) { var c = await listener.AcceptTcpClientAsync(); _ = Task.Run(() => Serve(c)); } });
        return Port;
    }

    private static async Task Serve(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                // Read the request head (and ignore any body).
                var head = new StringBuilder();
                var one = new byte[1];
                while (!head.ToString().EndsWith("\r\n\r\n") && head.Length < 65536)
                {
                    if (await stream.ReadAsync(one, 0, 1) == 0) return;
                    head.Append((char)one[0]);
                }
                var contentLength = 0;
                foreach (var line in head.ToString().Split("\r\n"))
                    if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) int.TryParse(line.Substring(15).Trim(), out contentLength);
                var skip = new byte[Math.Min(contentLength, 1 << 20)];
                var got = 0;
                while (got < skip.Length) { var n = await stream.ReadAsync(skip, got, skip.Length - got); if (n == 0) break; got += n; }
                // The mode is the first segment of the path ("/m/<mode>/api/..."; each mode's kubeconfig has it in
                // its server URL), else Mode.
                var mode = Mode;
                var requestLine = head.ToString().Split("\r\n")[0];
                var marker = requestLine.IndexOf(" /m/", StringComparison.Ordinal);
                if (marker >= 0)
                {
                    var rest = requestLine.Substring(marker + 4);
                    var end = rest.IndexOfAny(new[] { '/', ' ', '?' });
                    mode = end < 0 ? rest : rest.Substring(0, end);
                }
                await Answer(stream, mode, head.ToString());
            }
            catch (Exception) { }
        }
    }

    private static Task Send(Stream s, string text) { var b = Encoding.UTF8.GetBytes(text); return s.WriteAsync(b, 0, b.Length); }

    private static Task Json(Stream s, int status, string body, string contentType = "application/json", string extra = "") =>
        Send(s, "HTTP/1.1 " + status + " X\r\nContent-Type: " + contentType + "\r\nContent-Length: " + Encoding.UTF8.GetByteCount(body) + "\r\n" + extra + "Connection: close\r\n\r\n" + body);

    private static async Task Answer(Stream s, string mode, string head)
    {
        var chunk = Encoding.ASCII.GetBytes(new string(' ', 65536));
        var requestLine = head.Split("\r\n")[0];
        switch (mode)
        {
            case "watch-endless-line":
            {
                // Get-K8sSaToken -Legacy: the ServiceAccount, its token Secret not filled yet, then a watch whose first
                // event never ends (one line, streamed until the client hangs up).
                if (requestLine.Contains("/serviceaccounts/")) { await Json(s, 200, "{\"kind\":\"ServiceAccount\",\"metadata\":{\"name\":\"x\",\"namespace\":\"default\",\"uid\":\"u1\"}}"); return; }
                if (!requestLine.Contains("watch=true"))
                {
                    await Json(s, 200, "{\"kind\":\"SecretList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"5\"},\"items\":[{\"metadata\":{\"name\":\"x-token\",\"namespace\":\"default\",\"resourceVersion\":\"5\",\"annotations\":{\"kubernetes.io/service-account.name\":\"x\",\"kubernetes.io/service-account.uid\":\"u1\"}},\"type\":\"kubernetes.io/service-account-token\"}]}");
                    return;
                }
                await Send(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
                var start = "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"";
                await Send(s, start.Length.ToString("x") + "\r\n" + start + "\r\n");
                var filler = Encoding.ASCII.GetBytes("10000\r\n" + new string('x', 65536) + "\r\n");
                var sw = System.Diagnostics.Stopwatch.StartNew();
                while (sw.Elapsed.TotalSeconds < 60) await s.WriteAsync(filler, 0, filler.Length);
                return;
            }
            case "close": return;
            case "garbage": await Send(s, "\x00\x01\x02 hello\r\n\r\n"); return;
            case "status-line-text": await Send(s, "HTTP/1.1 abc Whatever\r\nContent-Length: 2\r\n\r\n{}"); return;
            case "status-line-999": await Send(s, "HTTP/1.1 999 Odd\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"); return;
            case "status-line-http9": await Send(s, "HTTP/9.9 200 OK\r\nContent-Length: 2\r\n\r\n{}"); return;
            case "status-line-only": await Send(s, "HTTP/1.1 200 OK\r\n"); return;
            case "bad-header": await Send(s, "HTTP/1.1 200 OK\r\nContent-Length: abc\r\nContent-Type: application/json\r\n\r\n{}"); return;
            case "negative-length": await Send(s, "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n{}"); return;
            case "truncated-length": await Send(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"kind\":\"Serv"); return;
            case "truncated-json": await Json(s, 200, "{\"kind\":\"ServiceAccount\",\"metadata\":{\"na"); return;
            case "truncated-chunked": await Send(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{\"kind\":\"Servi"); return;
            case "bad-chunk": await Send(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"); return;
            case "empty-200": await Json(s, 200, ""); return;
            case "json-null": await Json(s, 200, "null"); return;
            case "json-array": await Json(s, 200, "[1,2,3]"); return;
            case "json-string": await Json(s, 200, "\"x\""); return;
            case "json-number": await Json(s, 200, "42"); return;
            case "wrong-types": await Json(s, 200, "{\"kind\":5,\"apiVersion\":[],\"metadata\":\"x\",\"items\":{},\"status\":\"y\",\"spec\":7}"); return;
            case "wrong-types-nested": await Json(s, 200, "{\"kind\":\"List\",\"metadata\":{\"name\":5,\"labels\":[1],\"creationTimestamp\":\"notatime\",\"continue\":7},\"items\":[null,1,{\"metadata\":null},{\"rules\":\"x\",\"subjects\":[null]}],\"status\":{\"allowed\":\"yes\",\"userInfo\":[],\"denied\":{}}}"); return;
            case "deep-json": await Json(s, 200, new string('[', 100000) + new string(']', 100000)); return;
            case "lone-surrogate": await Json(s, 200, "{\"kind\":\"ServiceAccount\",\"metadata\":{\"name\":\"\\ud800\",\"namespace\":\"\\udc00\"},\"status\":{\"userInfo\":{\"username\":\"\\ud800\"},\"allowed\":true}}"); return;
            case "duplicate-keys": await Json(s, 200, "{\"kind\":\"ServiceAccount\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\",\"name\":\"y\"}}"); return;
            case "control-chars": await Json(s, 200, "{\"kind\":\"ServiceAccount\",\"metadata\":{\"name\":\"x\\u001b[2J\\r\\nWARNING: fake\",\"namespace\":\"default\"},\"status\":{\"userInfo\":{\"username\":\"\\u001b[31mroot\"},\"allowed\":true,\"reason\":\"\\u0007\\u001b]0;title\\u0007\"}}"); return;
            case "html": await Json(s, 200, "<html><body>Login</body></html>", "text/html"); return;
            case "html-as-json": await Json(s, 200, "<html><body>Login</body></html>"); return;
            case "protobuf": await Json(s, 200, "k8s\x00\x0a\x0b\x0c garbage", "application/vnd.kubernetes.protobuf"); return;
            case "yaml": await Json(s, 200, "kind: ServiceAccount\nmetadata: {name: x}\n", "application/yaml"); return;
            case "utf16": { var b = Encoding.Unicode.GetBytes("{\"kind\":\"ServiceAccount\"}"); await Send(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-16\r\nContent-Length: " + b.Length + "\r\n\r\n"); await s.WriteAsync(b, 0, b.Length); return; }
            case "gzip-lie": await Send(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: 8\r\n\r\nnotgzip!"); return;
            case "huge-length":
            case "huge-string":
            case "huge-chunked":
            {
                // 4 GiB announced (or chunked), streamed until the client hangs up: the client must stop reading.
                if (mode == "huge-chunked") await Send(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
                else await Send(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4294967296\r\n\r\n");
                var prefix = mode == "huge-string" ? "{\"kind\":\"ServiceAccount\",\"metadata\":{\"name\":\"" : "{\"kind\":\"ServiceAccount\",\"items\":[";
                if (mode == "huge-chunked") await Send(s, prefix.Length.ToString("x") + "\r\n" + prefix + "\r\n"); else await Send(s, prefix);
                var filler = Encoding.ASCII.GetBytes(mode == "huge-string" ? new string('x', 65536) : string.Concat(System.Linq.Enumerable.Repeat("{},", 21845)) + " ");
                var sw = System.Diagnostics.Stopwatch.StartNew();
                while (sw.Elapsed.TotalSeconds < 60)
                {
                    if (mode == "huge-chunked") await Send(s, filler.Length.ToString("x") + "\r\n");
                    await s.WriteAsync(filler, 0, filler.Length);
                    if (mode == "huge-chunked") await Send(s, "\r\n");
                }
                return;
            }
            case "slow-headers":
            {
                // The status line one byte a second for a few bytes, then the rest at once: slow but finite.
                var text = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
                for (var i = 0; i < 3; i++) { await Send(s, text.Substring(i, 1)); await Task.Delay(1000); }
                await Send(s, text.Substring(3));
                return;
            }
            case "slow-forever":
            {
                await Send(s, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{");
                for (var i = 0; i < 600; i++) { await Send(s, " "); await Task.Delay(1000); }
                return;
            }
            case "never-answers": await Task.Delay(600000); return;
            case "status-403-bad": await Json(s, 403, "{\"kind\":\"Status\",\"message\":5,\"reason\":[],\"code\":\"x\",\"details\":\"y\"}"); return;
            case "status-404-null": await Json(s, 404, "null"); return;
            case "status-404-html": await Json(s, 404, "<html>not found</html>", "text/html"); return;
            case "status-409-truncated": await Json(s, 409, "{\"kind\":\"Status\",\"mess"); return;
            case "status-422-causes": await Json(s, 422, "{\"kind\":\"Status\",\"status\":\"Failure\",\"reason\":\"Invalid\",\"details\":{\"causes\":[null,5,{\"field\":[],\"message\":{}}]},\"code\":422}"); return;
            case "status-500-huge": await Json(s, 500, "{\"kind\":\"Status\",\"message\":\"" + new string('m', 2000000) + "\",\"code\":500}"); return;
            case "status-500-ansi": await Json(s, 500, "{\"kind\":\"Status\",\"message\":\"boom\\u001b[2J\\r\\nWARNING: fake prompt\\u0000\",\"reason\":\"\\u001b[31mInternalError\",\"code\":500}"); return;
            case "status-401-empty": await Json(s, 401, ""); return;
            case "status-429-retry-huge": await Json(s, 429, "{\"kind\":\"Status\",\"code\":429,\"details\":{\"retryAfterSeconds\":999999999}}", "application/json", "Retry-After: 999999999\r\n"); return;
            case "status-429-retry-bad": await Json(s, 429, "{\"kind\":\"Status\",\"code\":429,\"details\":{\"retryAfterSeconds\":-5}}", "application/json", "Retry-After: soon\r\n"); return;
            case "status-503-retry-date": await Json(s, 503, "{}", "application/json", "Retry-After: Fri, 31 Dec 9999 23:59:59 GMT\r\n"); return;
            case "status-302": await Json(s, 302, "", "text/plain", "Location: http://127.0.0.1:1/elsewhere\r\n"); return;
            case "status-100": await Send(s, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n"); return;
            case "status-204": await Send(s, "HTTP/1.1 204 No Content\r\n\r\n"); return;
            case "status-200-status-failure": await Json(s, 200, "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"no\",\"code\":403}"); return;
            case "warning-header-flood": await Json(s, 200, "{}", "application/json", string.Concat(System.Linq.Enumerable.Repeat("Warning: 299 - \"\u001b[31mdanger\"\r\n", 500))); return;
            default: await Json(s, 200, "{}"); return;
        }
    }
}
'@

function Get-HostileHttpModes([switch] $Full) {
    $modes = @('close', 'garbage', 'status-line-text', 'status-line-999', 'status-line-http9', 'status-line-only', 'bad-header', 'negative-length',
        'truncated-length', 'truncated-json', 'truncated-chunked', 'bad-chunk', 'empty-200', 'json-null', 'json-array', 'json-string', 'json-number',
        'wrong-types', 'wrong-types-nested', 'deep-json', 'lone-surrogate', 'duplicate-keys', 'control-chars', 'html', 'html-as-json', 'protobuf', 'yaml', 'utf16',
        'gzip-lie', 'huge-length', 'huge-string', 'huge-chunked', 'slow-headers', 'status-403-bad', 'status-404-null', 'status-404-html',
        'status-409-truncated', 'status-422-causes', 'status-500-huge', 'status-500-ansi', 'status-401-empty', 'status-429-retry-huge', 'status-429-retry-bad',
        'status-503-retry-date', 'status-302', 'status-100', 'status-204', 'status-200-status-failure', 'warning-header-flood')
    # A server that trickles forever or never answers: the request timeout ends them (see New-HostileHttpCases).
    $modes += 'slow-forever', 'never-answers'
    # Served to a watch (Get-K8sSaToken -Legacy waits for its token Secret with one), not to the other cmdlets.
    $modes += 'watch-endless-line'
    $modes
}

function Start-HostileHttpServer {
    # Compiles the raw server once into an assembly and runs it in a pwsh process of its own, so that its work
    # (streaming 64 MiB answers, trickling) is never measured as the cmdlets' in the children. Returns Process, Port.
    param([Parameter(Mandatory)] [string] $Directory)
    $assembly = Join-Path $Directory 'HostileHttpServer.dll'
    if (-not (Test-Path -LiteralPath $assembly)) {
        Add-Type -TypeDefinition $script:HostileHttpSource -OutputAssembly $assembly -OutputType Library
    }
    $process = [Environment]::ProcessPath
    $start = [System.Diagnostics.ProcessStartInfo]::new($process)
    if ([System.IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') { $start.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
    $command = "Add-Type -Path '$assembly'; [Console]::Out.WriteLine([HostileHttpServer]::Start()); [Console]::Out.Flush(); [void][Console]::In.ReadLine()"
    foreach ($a in '-NoProfile', '-NonInteractive', '-Command', $command) { $start.ArgumentList.Add($a) }
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardInput = $true
    $start.UseShellExecute = $false
    $server = [System.Diagnostics.Process]::Start($start)
    $line = $server.StandardOutput.ReadLineAsync()
    if (-not $line.Wait(120000) -or -not ($line.Result -match '^\d+$')) {
        $server.Kill($true)
        throw "The hostile HTTP server did not start (it said: '$($line.Result)')."
    }
    @{ Process = $server; Port = [int]$line.Result }
}

function Stop-HostileHttpServer($Server) {
    if ($Server -and -not $Server.Process.HasExited) { $Server.Process.Kill($true); $Server.Process.WaitForExit() }
}

function New-HostileHttpCases {
    # One kubeconfig per mode, its server URL naming the mode (http://127.0.0.1:PORT/m/MODE; plain HTTP, a token).
    param([Parameter(Mandatory)] [string] $Directory, [Parameter(Mandatory)] [int] $Port, [switch] $Full)
    $cmds = [ordered]@{
        getsa    = "Get-K8sServiceAccount -Kubeconfig `$HttpKube -Name x"
        listsa   = "Get-K8sServiceAccount -Kubeconfig `$HttpKube"
        identity = "Get-K8sIdentity -Kubeconfig `$HttpKube"
        test     = "Test-K8sPermission -Kubeconfig `$HttpKube -Verb get -Resource pods"
        snapshot = "Get-K8sRbacSnapshot -Kubeconfig `$HttpKube"
    }
    $watchCmds = [ordered]@{ legacytoken = "Get-K8sSaToken -Kubeconfig `$HttpKube -ServiceAccount x -Legacy -Timeout (New-TimeSpan -Seconds 20)" }
    $cases = [ordered]@{}
    # CI: every mode once, the reading cmdlets in turn; -Full: every mode with every cmdlet. Watch modes: the watching cmdlet.
    $i = 0
    foreach ($mode in (Get-HostileHttpModes -Full:$Full)) {
        $kube = Join-Path $Directory "http-$mode.kubeconfig"
        [System.IO.File]::WriteAllText($kube, "apiVersion: v1`nkind: Config`nclusters:`n- name: h`n  cluster: {server: 'http://127.0.0.1:$Port/m/$mode'}`nusers:`n- name: u`n  user: {token: not-a-secret}`ncontexts:`n- name: c`n  context: {cluster: h, user: u, namespace: default}`ncurrent-context: c`n")
        $set = if ($mode -like 'watch-*') { $watchCmds } else { $cmds }
        $names = if ($mode -like 'watch-*' -or $Full) { @($set.Keys) } else { @(@($cmds.Keys)[$i++ % $cmds.Count]) }
        # A server that never ends its answer is bounded by the request timeout: the cmdlets' -RequestTimeout (5 s, the
        # whole call) for each, and with -Full once the default (100 s) that a user who gives none gets.
        $timeout = if ($mode -in 'slow-forever', 'never-answers') { ' -RequestTimeout 00:00:05' } else { '' }
        foreach ($cmd in $names) { $cases["http-$mode-$cmd"] = $set[$cmd].Replace('$HttpKube', "'$kube'") + $timeout }
        if ($Full -and $mode -eq 'never-answers') { $cases["http-$mode-default-timeout"] = $set['getsa'].Replace('$HttpKube', "'$kube'") }
    }
    $cases
}

function Invoke-HostileSuite {
    <#
    .SYNOPSIS
        Generates the inputs (seeded), runs them in child pwsh processes in batches and returns one result per input,
        each with Verdict ($null = acceptable, else why not) and Group (kubeconfig, token, policy, http).
    .DESCRIPTION
        HTTP cases mostly wait (the client's retries back off, slow servers trickle), so their children start first,
        $HttpChildren at once, each given every $HttpChildren-th case (the slow ones spread out); the file and token
        children, which use the processor, run one after another meanwhile.
    #>
    param(
        [int] $Seed = 11,
        [int] $Kubeconfigs = 150,
        [int] $Tokens = 150,
        [int] $Policies = 100,
        [switch] $FullHttp,
        [int] $BatchSize = 200,
        [int] $HttpChildren = $(if ($FullHttp) { 6 } else { 3 }),
        [Parameter(Mandatory)] [string] $Directory
    )
    New-Item -ItemType Directory -Path $Directory -Force | Out-Null
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $documented = @(Get-DocumentedErrorId)
    # The HTTP children first: they wait while the rest is generated and run.
    $server = Start-HostileHttpServer $Directory
    try {
        $httpCases = New-HostileHttpCases -Directory $Directory -Port $server.Port -Full:$FullHttp
        $httpNames = @($httpCases.Keys)
        $httpHandles = @(for ($c = 0; $c -lt [Math]::Min($HttpChildren, $httpNames.Count); $c++) {
                $batch = [ordered]@{}
                for ($k = $c; $k -lt $httpNames.Count; $k += $HttpChildren) { $batch[$httpNames[$k]] = $httpCases[$httpNames[$k]] }
                , @((Start-HostileChild -Cases $batch -Prelude '' -WorkDirectory $Directory), $batch)
            })
        Write-Verbose "$([int]$clock.Elapsed.TotalSeconds) s: $($httpHandles.Count) HTTP children started"
        # Files and tokens use the processor: one child at a time, each started as the previous one ends, while the
        # parent generates the next group (in the same order as ever, so a seed gives the same inputs).
        $random = [System.Random]::new($Seed)
        $special = New-HostileSpecialFiles $Directory
        $running = $null
        $generators = @(
            { @{ Group = 'kubeconfig'; Cases = (New-HostileKubeconfigs -Random $random -Count $Kubeconfigs -Directory $Directory -Special $special); Prelude = '' } }
            { (New-HostileTokens -Random $random -Count $Tokens -Directory $Directory) + @{ Group = 'token' } }
            { @{ Group = 'policy'; Cases = (New-HostilePolicies -Random $random -Count $Policies -Directory $Directory -Special $special); Prelude = '' } }
        )
        foreach ($generate in $generators) {
            $g = & $generate
            Write-Verbose "$([int]$clock.Elapsed.TotalSeconds) s: generated $($g.Cases.Count) $($g.Group) inputs"
            $names = @($g.Cases.Keys)
            for ($start = 0; $start -lt $names.Count; $start += $BatchSize) {
                $batch = [ordered]@{}
                foreach ($name in $names[$start..([Math]::Min($names.Count, $start + $BatchSize) - 1)]) { $batch[$name] = $g.Cases[$name] }
                if ($running) {
                    Add-HostileVerdict (Wait-HostileChild $running.Handle -TimeoutSeconds $running.Timeout) $running.Batch $running.Group $documented
                    Write-Verbose "$([int]$clock.Elapsed.TotalSeconds) s: a $($running.Group) child ended"
                }
                $running = @{ Handle = (Start-HostileChild -Cases $batch -Prelude $g.Prelude -WorkDirectory $Directory); Batch = $batch; Group = $g.Group; Timeout = 60 + 3 * $batch.Count }
            }
        }
        if ($running) { Add-HostileVerdict (Wait-HostileChild $running.Handle -TimeoutSeconds $running.Timeout) $running.Batch $running.Group $documented }
        Write-Verbose "$([int]$clock.Elapsed.TotalSeconds) s: the file and token children ended"
        foreach ($pair in $httpHandles) {
            # A child's cases run one after another: each may wait up to its wall bound (130 s for the default-timeout case).
            $timeout = 60 + 20 * $pair[1].Count + 130 * @($pair[1].Keys | Where-Object { $_ -match 'default-timeout' }).Count
            Add-HostileVerdict (Wait-HostileChild $pair[0] -TimeoutSeconds $timeout) $pair[1] 'http' $documented
            Write-Verbose "$([int]$clock.Elapsed.TotalSeconds) s: an HTTP child ended"
        }
    }
    finally { Stop-HostileHttpServer $server }
}

function Add-HostileVerdict($Results, $Batch, [string] $Group, [string[]] $Documented) {
    foreach ($r in $Results) {
        $wall = if ($r.Name -match 'default-timeout') { 130000 } else { 20000 }
        $r | Add-Member Group $Group -PassThru | Add-Member Verdict (Test-HostileResult $r $Documented -MaxWallMs $wall) -PassThru | Add-Member Case $Batch[$r.Name] -PassThru
    }
}

function Get-HostileMedian([object[]] $Values) {
    $sorted = @($Values | Sort-Object)
    if ($sorted.Count) { $sorted[[int][Math]::Floor(($sorted.Count - 1) / 2)] }
}

function Get-HostileSummary {
    # The figures for RELIABILITY.md: per group the inputs, answers, typed errors by id, max times and memory, and failures.
    param([Parameter(Mandatory)] [object[]] $Results)
    foreach ($group in ($Results | Group-Object Group)) {
        $r = $group.Group
        $reported = @($r | Where-Object { -not $_.Missing })
        [pscustomobject]@{
            Group         = $group.Name
            Inputs        = $r.Count
            Answers       = @($reported | Where-Object Ok).Count
            TypedErrors   = @($reported | Where-Object { -not $_.Ok }).Count
            ErrorIds      = (($reported | Where-Object { -not $_.Ok } | Group-Object { ($_.Id -split ',')[0] } | Sort-Object Count -Descending | ForEach-Object { "$($_.Name) $($_.Count)" }) -join ', ')
            MedianCpuMs   = Get-HostileMedian @($reported.CpuMs)
            MaxCpuMs      = ($reported | Measure-Object CpuMs -Maximum).Maximum
            MedianWallMs  = Get-HostileMedian @($reported.Ms)
            MaxWallMs     = ($reported | Measure-Object Ms -Maximum).Maximum
            MaxPeakGrowthMB = ($reported | Measure-Object PeakGrowthMB -Maximum).Maximum
            MaxPeakMB     = ($reported | Measure-Object PeakMB -Maximum).Maximum
            Crashes       = @($r | Where-Object Missing).Count
            Failures      = @($r | Where-Object Verdict).Count
        }
    }
}

#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    The evidence behind docs/why-own-client.md: each claim about how a client reads a kubeconfig and talks to the API
    server, shown for the three clients side by side against the same local API server and the same files:
    kubectl 1.28 (the reference), KubernetesClient 21.0.8 (loaded with Add-Type in a child pwsh, as a PowerShell user
    would; staged at out/coexistence/ by tests/K8sServiceAccount.Pester.Tests) and the module. Each It asserts all
    three behaviours, so a change in any of them (a KubernetesClient upgrade, a fix of ours) shows up here and the
    page must be updated with it.
#>

BeforeDiscovery {
    # The host-name test needs this machine's name to resolve to 127.0.0.1 (where the server listens) while not being
    # in the server certificate (localhost, 127.0.0.1, kubernetes.default.svc...).
    $hostName = [System.Net.Dns]::GetHostName()
    $script:hostNameIsLoopback = $hostName -ne 'localhost' -and
        @(try { [System.Net.Dns]::GetHostAddresses($hostName) } catch { @() }) -contains [System.Net.IPAddress]::Loopback
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-Module (Get-StagedModulePath) -Force -ErrorAction Stop
    $script:kcDirectory = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../../out/coexistence/KubernetesClient'))
    if (-not (Test-Path -LiteralPath (Join-Path $kcDirectory 'KubernetesClient.dll'))) {
        throw "KubernetesClient 21.0.8 is not staged at $kcDirectory. Build the solution first (tests/K8sServiceAccount.Pester.Tests stages it)."
    }
    $script:kubectl = '/usr/lib/google-cloud-sdk/bin/kubectl.1.28'
    $script:server = Start-LocalApiServer -Directory $TestDrive
    $admin = Get-Content -Raw -LiteralPath $server.Kubeconfig
    $field = { param($key) [regex]::Match($admin, "(?m)^\s*$($key):\s*(\S+)").Groups[1].Value }

    # Two ServiceAccounts whose tokens the file-token and exec users present.
    $null = New-K8sServiceAccount -Kubeconfig $server.Kubeconfig -Namespace default -Name why-file, why-exec, why-next
    $token = @{}
    foreach ($name in 'why-file', 'why-exec', 'why-next') {
        $path = Join-Path $TestDrive "$name.kubeconfig"
        $null = New-K8sSaKubeconfig -Kubeconfig $server.Kubeconfig -Namespace default -ServiceAccount $name -Path $path
        $token[$name] = [regex]::Match((Get-Content -Raw -LiteralPath $path), '(?m)^\s+token: (\S+)\s*$').Groups[1].Value
    }
    $script:nextToken = $token['why-next']

    # a/ holds the first file of KUBECONFIG, b/ the second with paths relative to b/.
    $script:a = Join-Path $TestDrive 'a'
    $script:b = Join-Path $TestDrive 'b'
    $null = New-Item -ItemType Directory -Path $a, $b
    [System.IO.File]::WriteAllBytes((Join-Path $b 'ca.crt'), [Convert]::FromBase64String((& $field 'certificate-authority-data')))
    $script:tokenFile = Join-Path $b 'token'
    Set-Content -LiteralPath $tokenFile -Value $token['why-file'] -NoNewline

    # The plugin logs each run (argument count, the arguments separated by '|', KUBERNETES_EXEC_INFO) to
    # $WHY_PLUGIN_LOG. With 'reject N' as arguments its first N credentials are a token the server rejects.
    $script:plugin = Join-Path $b 'plugin.sh'
    Set-Content -LiteralPath $plugin -Value @"
#!/bin/sh
printf '%s\t' "`$#" >> "`$WHY_PLUGIN_LOG"; printf '%s|' "`$@" >> "`$WHY_PLUGIN_LOG"; printf '\t%s\n' "`${KUBERNETES_EXEC_INFO:-none}" >> "`$WHY_PLUGIN_LOG"
token='$($token['why-exec'])'
if [ "`$1" = reject ]; then
  n=`$(cat "`$WHY_PLUGIN_LOG.count" 2>/dev/null || echo 0); n=`$((n+1)); echo `$n > "`$WHY_PLUGIN_LOG.count"
  [ `$n -le "`$2" ] && token=rejected
fi
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' "`$token"
"@
    chmod +x $plugin

    $url = $server.Url
    $script:hostName = [System.Net.Dns]::GetHostName()
    $byName = $url -replace '127\.0\.0\.1', $hostName
    $exec = {
        param($name, $arguments, $mode, $info, $command = $plugin)
        "- name: $name`n  user:`n    exec:`n      apiVersion: client.authentication.k8s.io/v1`n      command: $command`n      args: $arguments`n      interactiveMode: $mode`n      provideClusterInfo: $info"
    }
    Set-Content -LiteralPath (Join-Path $b 'two.kubeconfig') -Value @"
apiVersion: v1
kind: Config
clusters:
- name: rel
  cluster: {server: "$url", certificate-authority: ca.crt}
- name: byname
  cluster: {server: "$byName", certificate-authority: ca.crt}
- name: proxied
  cluster: {server: "$url", certificate-authority: ca.crt, proxy-url: "http://127.0.0.1:1"}
users:
- name: filetoken
  user: {tokenFile: token}
- name: static
  user: {token: "$($token['why-file'])"}
$(& $exec 'relexec' '["x"]' Never false './plugin.sh')
$(& $exec 'spaces' '["one arg", "two"]' Never false)
$(& $exec 'ifavailable' '["x"]' IfAvailable false)
$(& $exec 'always' '["x"]' Always false)
$(& $exec 'info' '["x"]' Never true)
$(& $exec 'reject1' '["reject", "1"]' Never false)
$(& $exec 'reject2' '["reject", "2"]' Never false)
contexts:
$($(foreach ($c in 'rel-file rel filetoken', 'rel-exec rel relexec', 'spaces rel spaces', 'ifavailable rel ifavailable',
    'always rel always', 'info rel info', 'reject1 rel reject1', 'reject2 rel reject2', 'byname byname static', 'proxied proxied static') {
    $n, $cl, $u = $c -split ' '; "- name: $n`n  context: {cluster: $cl, user: $u}" }) -join "`n")
"@
    $script:two = Join-Path $b 'two.kubeconfig'
    # The admin's kubeconfig with the context renamed to Prod, and files that only pick a context of two.kubeconfig.
    $script:one = Join-Path $a 'one.kubeconfig'
    Set-Content -LiteralPath $one -Value ($admin -replace 'local-apiserver', 'Prod')
    foreach ($c in 'rel-file', 'rel-exec') {
        Set-Content -LiteralPath (Join-Path $a "pick-$c.kubeconfig") -Value "apiVersion: v1`nkind: Config`ncurrent-context: $c"
    }
    # The admin impersonating carol, with and without as-user-extra (which KubernetesClient cannot read).
    $impersonation = "    as: carol`n    as-groups: [team-a]`n    as-uid: uid-42`n"
    $script:impersonating = Join-Path $b 'imp.kubeconfig'
    Set-Content -LiteralPath $impersonating -Value ($admin -replace '(?m)^(    client-key-data: \S+)$', "`$1`n$impersonation    as-user-extra: {scopes: [read]}")
    $script:impersonatingNoExtra = Join-Path $b 'imp-noextra.kubeconfig'
    Set-Content -LiteralPath $impersonatingNoExtra -Value ($admin -replace '(?m)^(    client-key-data: \S+)$', "`$1`n$($impersonation.TrimEnd())")

    function Invoke-Kubectl {
        # kubectl 1.28 with KUBECONFIG set, from $TestDrive, stdin not a terminal; output and exit code.
        param([string] $Kubeconfig, [string[]] $Arguments, [string] $PluginLog = (Join-Path $TestDrive 'kubectl-plugin.log'))
        $saved = $env:KUBECONFIG, $env:WHY_PLUGIN_LOG
        try {
            $env:KUBECONFIG = $Kubeconfig; $env:WHY_PLUGIN_LOG = $PluginLog
            Push-Location $TestDrive
            $output = '' | & $kubectl @Arguments 2>&1 | Out-String
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output.Trim() }
        }
        finally { Pop-Location; $env:KUBECONFIG, $env:WHY_PLUGIN_LOG = $saved }
    }
    function Get-KubectlUser([string] $Kubeconfig, [string[]] $Arguments = @()) {
        $r = Invoke-Kubectl -Kubeconfig $Kubeconfig -Arguments (@('auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}') + $Arguments)
        if ($r.ExitCode -eq 0) { "ok:$($r.Output)" } else { "error:$($r.Output)" }
    }
    function Get-OurUser {
        # The module, automatic connection (KUBECONFIG) or -Kubeconfig/-Context, as 'ok:USER' or 'error:ID: MESSAGE'.
        param([string] $Kubeconfig, [string] $Context, [string] $KubeconfigVariable, [string] $PluginLog = (Join-Path $TestDrive 'ours-plugin.log'))
        $saved = $env:KUBECONFIG, $env:WHY_PLUGIN_LOG
        try {
            $env:KUBECONFIG = $KubeconfigVariable; $env:WHY_PLUGIN_LOG = $PluginLog
            $parameters = @{}
            if ($Kubeconfig) { $parameters.Kubeconfig = $Kubeconfig }
            if ($Context) { $parameters.Context = $Context }
            "ok:$((Get-K8sIdentity @parameters -ErrorAction Stop).User)"
        }
        catch { "error:$($_.FullyQualifiedErrorId -replace ',.*'): $_" }
        finally { $env:KUBECONFIG, $env:WHY_PLUGIN_LOG = $saved }
    }
    function Read-PluginLog([string] $Path) {
        # One object per plugin run (kubectl's KUBERNETES_EXEC_INFO ends with a newline: blank lines are skipped).
        @(Get-Content -LiteralPath $Path -ErrorAction Ignore | Where-Object { $_ } | ForEach-Object {
            $count, $arguments, $info = $_ -split "`t", 3
            [pscustomobject]@{ Count = [int] $count; Arguments = @($arguments.TrimEnd('|') -split '\|'); Info = $info }
        })
    }
    function Set-Throttle([int] $Rate) {
        $null = Invoke-TestServerRequest -Server $server -Method Put -Path /admin/faults -Body @{ throttleRate = $Rate; retryAfterSeconds = 1 }
    }
    function Start-ThrottleWindow([string] $Marker, [int] $RetryAfterSeconds = 1, [int] $WindowMilliseconds = 1500) {
        # From another thread: once $Marker exists (the client is ready to send), every request is answered 429 with
        # Retry-After: $RetryAfterSeconds for $WindowMilliseconds, or until "$Marker.done" exists; "$Marker.ready"
        # appears when the window has begun.
        Start-ThreadJob -ArgumentList $server, $Marker, (Join-Path $PSScriptRoot 'TestServer.ps1'), $RetryAfterSeconds, $WindowMilliseconds -ScriptBlock {
            param($server, $marker, $helpers, $retryAfter, $window)
            . $helpers
            $deadline = (Get-Date).AddSeconds(30)
            while (-not (Test-Path -LiteralPath $marker) -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 20 }
            $null = Invoke-TestServerRequest -Server $server -Method Put -Path /admin/faults -Body @{ throttleRate = 1; retryAfterSeconds = $retryAfter }
            $null = New-Item -ItemType File -Path "$marker.ready"
            $end = (Get-Date).AddMilliseconds($window)
            while (-not (Test-Path -LiteralPath "$marker.done") -and (Get-Date) -lt $end) { Start-Sleep -Milliseconds 20 }
            $null = Invoke-TestServerRequest -Server $server -Method Put -Path /admin/faults -Body @{ throttleRate = 0 }
        }
    }
    function Wait-ThrottleWindow([string] $Marker) {
        $null = New-Item -ItemType File -Path $Marker
        while (-not (Test-Path -LiteralPath "$Marker.ready")) { Start-Sleep -Milliseconds 10 }
    }

    # KubernetesClient: every case in one child pwsh (Add-Type in the default load context, as a user would), its
    # working directory $TestDrive (neither a/ nor b/). Each case is 'ok:VALUE' or 'error:TYPE: MESSAGE'.
    $script:kcCases = {
        param($kcDirectory, $root, $a, $b, $throttleMarker)
        foreach ($dll in 'Fractions.dll', 'YamlDotNet.dll', 'KubernetesClient.dll') { Add-Type -LiteralPath (Join-Path $kcDirectory $dll) }
        Set-Location $root; [Environment]::CurrentDirectory = $root
        $env:WHY_PLUGIN_LOG = Join-Path $root 'kc-plugin.log'
        $two = Join-Path $b 'two.kubeconfig'
        $file = {
            param($path, $context)
            # PowerShell would pass $null as '' (a context of that name): the current context needs the one-argument call.
            if ($context) { [k8s.KubernetesClientConfiguration]::BuildConfigFromConfigFile($path, $context) }
            else { [k8s.KubernetesClientConfiguration]::BuildConfigFromConfigFile($path) }
        }
        $variable = { param($value) $env:KUBECONFIG = $value; try { [k8s.KubernetesClientConfiguration]::BuildDefaultConfig() } finally { $env:KUBECONFIG = $null } }
        $whoami = { param($client) [k8s.AuthenticationV1OperationsExtensions]::CreateSelfSubjectReview($client, [k8s.Models.V1SelfSubjectReview]::new()).Status.UserInfo }
        $try = { param($block) try { "ok:$(& $block)" } catch { $e = $_.Exception.GetBaseException(); "error:$($e.GetType().Name): $($e.Message)" } }
        $result = [ordered]@{}
        $result.missing = & $try { (& $variable "$root/missing.kubeconfig$([IO.Path]::PathSeparator)$a/one.kubeconfig").CurrentContext }
        $result.empty = & $try { (& $variable "$a/one.kubeconfig$([IO.Path]::PathSeparator)$([IO.Path]::PathSeparator)$two").CurrentContext }
        $result.case = & $try { (& $file "$a/one.kubeconfig" 'prod').CurrentContext }
        $result.relativeCa = & $try { (& $whoami ([k8s.Kubernetes]::new((& $variable "$a/pick-rel-file.kubeconfig$([IO.Path]::PathSeparator)$two")))).Username }
        $result.relativeExec = & $try { (& $whoami ([k8s.Kubernetes]::new((& $file $two 'rel-exec')))).Username }
        $result.tokenFile = & $try { (& $whoami ([k8s.Kubernetes]::new((& $file $two 'rel-file')))).Username }
        $result.proxy = & $try { (& $whoami ([k8s.Kubernetes]::new((& $file $two 'proxied')))).Username }
        $result.hostName = & $try { (& $whoami ([k8s.Kubernetes]::new((& $file $two 'byname')))).Username }
        $result.impersonation = & $try { $u = & $whoami ([k8s.Kubernetes]::new((& $file "$b/imp.kubeconfig" $null))); $u.Username }
        $result.impersonationNoExtra = & $try { $u = & $whoami ([k8s.Kubernetes]::new((& $file "$b/imp-noextra.kubeconfig" $null))); "$($u.Username) uid=$($u.Uid) groups=$($u.Groups -join ',')" }
        foreach ($case in 'spaces', 'ifavailable', 'always', 'info') {
            $env:WHY_PLUGIN_LOG = Join-Path $root "kc-$case.log"
            $result[$case] = & $try { (& $whoami ([k8s.Kubernetes]::new((& $file $two $case)))).Username }
        }
        # The plugin rejects its first two credentials: KubernetesClient runs it once while building the
        # configuration and once for the first request, so the first request carries the second (rejected) one.
        $env:WHY_PLUGIN_LOG = Join-Path $root 'kc-reject.log'
        $result.reject = & $try {
            $client = [k8s.Kubernetes]::new((& $file $two 'reject2'))
            @(1..3 | ForEach-Object { & $try { (& $whoami $client).Username } }) -join ' | '
        }
        $client = [k8s.Kubernetes]::new((& $file "$a/one.kubeconfig"))
        $null = New-Item -ItemType File -Path $throttleMarker
        while (-not (Test-Path -LiteralPath "$throttleMarker.ready")) { Start-Sleep -Milliseconds 10 }
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $result.throttled = & $try { [k8s.CoreV1OperationsExtensions]::ReadNamespacedServiceAccount($client, 'default', 'default').Metadata.Name }
        $result.throttledMilliseconds = $watch.ElapsedMilliseconds
        $null = New-Item -ItemType File -Path "$throttleMarker.done"
        [pscustomobject]$result | ConvertTo-Json -Compress
    }
    $kcMarker = Join-Path $TestDrive 'kc-throttle.marker'
    # KubernetesClient does not retry: its one request must land in the window however slow this machine is, so the
    # window stays open until the child has its answer (at most 30 s), and Retry-After is 5 s, so that an answer in
    # under 5 s shows that it did not wait for it.
    $release = Start-ThrottleWindow $kcMarker -RetryAfterSeconds 5 -WindowMilliseconds 30000
    try {
        $output = Invoke-ChildPwsh -Command $kcCases -args $kcDirectory, $TestDrive, $a, $b, $kcMarker 2>&1 | Out-String
    }
    finally { $release | Wait-Job | Remove-Job; Set-Throttle 0 }
    $script:kc = ($output -split '\r?\n' | Where-Object { $_ -like '{*' } | Select-Object -Last 1) | ConvertFrom-Json
    if (-not $kc) { throw "The KubernetesClient child pwsh wrote no result: $output" }
    $script:sep = [System.IO.Path]::PathSeparator
}

AfterAll {
    Stop-LocalApiServer -Server $script:server
    Remove-Module K8sServiceAccount -ErrorAction Ignore
}

Describe 'Why the module has its own client: kubectl 1.28 | KubernetesClient 21.0.8 | K8sServiceAccount' {
    It 'a KUBECONFIG entry naming no file: kubectl skips it; KubernetesClient fails; ours skips it' {
        $value = "$TestDrive/missing.kubeconfig$sep$one"
        (Invoke-Kubectl -Kubeconfig $value -Arguments config, view, --minify, -o, 'jsonpath={.current-context}').Output | Should -Be 'Prod'
        $kc.missing | Should -BeLike 'error:KubeConfigException: kubeconfig file not found at *missing.kubeconfig'
        Get-OurUser -KubeconfigVariable $value | Should -Be 'ok:admin'
    }

    It 'an empty KUBECONFIG entry (a::b): kubectl skips it; KubernetesClient fails; ours skips it' {
        $value = "$one$sep$sep$two"
        (Invoke-Kubectl -Kubeconfig $value -Arguments config, view, --minify, -o, 'jsonpath={.current-context}').Output | Should -Be 'Prod'
        $kc.empty | Should -BeLike 'error:ArgumentException: The value cannot be an empty string.*'
        Get-OurUser -KubeconfigVariable $value | Should -Be 'ok:admin'
    }

    It 'a context name in another case (prod for Prod): kubectl fails; KubernetesClient takes Prod; ours fails' {
        (Invoke-Kubectl -Kubeconfig $one -Arguments config, view, --minify, --context, prod).Output | Should -BeLike '*cannot locate context prod*'
        $kc.case | Should -Be 'ok:Prod'
        Get-OurUser -Kubeconfig $one -Context prod | Should -BeLike 'error:KubeconfigContextNotFound: *names are case-sensitive*'
    }

    It 'certificate-authority relative to the second KUBECONFIG file: kubectl resolves it in that file''s folder; KubernetesClient in the first file''s; ours as kubectl' {
        $value = "$a/pick-rel-file.kubeconfig$sep$two"
        Get-KubectlUser -Kubeconfig $value | Should -Be 'ok:system:serviceaccount:default:why-file'
        $kc.relativeCa | Should -Be "error:FileNotFoundException: Could not find file '$a/ca.crt'."
        Get-OurUser -KubeconfigVariable $value | Should -Be 'ok:system:serviceaccount:default:why-file'
    }

    It 'an exec command relative to its kubeconfig (./plugin.sh): kubectl runs it from the file''s folder; KubernetesClient from the working directory; ours as kubectl' {
        $value = "$a/pick-rel-exec.kubeconfig$sep$two"
        Get-KubectlUser -Kubeconfig $value | Should -Be 'ok:system:serviceaccount:default:why-exec'
        $kc.relativeExec | Should -BeLike "error:KubeConfigException: *'./plugin.sh'*working directory '$TestDrive'*"
        Get-OurUser -KubeconfigVariable $value | Should -Be 'ok:system:serviceaccount:default:why-exec'
    }

    It 'tokenFile: kubectl sends the file''s token; KubernetesClient rejects the user; ours sends it' {
        Get-KubectlUser -Kubeconfig $two -Arguments --context, rel-file | Should -Be 'ok:system:serviceaccount:default:why-file'
        $kc.tokenFile | Should -Be 'error:KubeConfigException: User: filetoken does not have appropriate auth credentials in kubeconfig'
        Get-OurUser -Kubeconfig $two -Context rel-file | Should -Be 'ok:system:serviceaccount:default:why-file'
    }

    It 'tokenFile in a long session: ours, as client-go, reads it at most once a minute and at once after a 401' {
        # kubectl reads the file once per command (each command is a process); KubernetesClient cannot use it (above).
        $session = Join-Path $TestDrive 'session-token'
        Copy-Item -LiteralPath $tokenFile -Destination $session
        $kubeconfig = Join-Path $b 'session.kubeconfig'
        Set-Content -LiteralPath $kubeconfig -Value ((Get-Content -Raw -LiteralPath $two) -replace 'tokenFile: token', "tokenFile: $session")
        Connect-K8sCluster -Kubeconfig $kubeconfig -Context rel-file
        try {
            (Get-K8sIdentity).User | Should -Be 'system:serviceaccount:default:why-file'
            Set-Content -LiteralPath $session -Value $nextToken -NoNewline
            (Get-K8sIdentity).User | Should -Be 'system:serviceaccount:default:why-file' -Because 'the file was read less than a minute ago'
            # why-file's token stops authenticating once its ServiceAccount is gone: the 401 makes the file be read again.
            Remove-K8sServiceAccount -Kubeconfig $server.Kubeconfig -Namespace default -Name why-file -Force
            (Get-K8sIdentity).User | Should -Be 'system:serviceaccount:default:why-next'
        }
        finally {
            Disconnect-K8sCluster
            $null = New-K8sServiceAccount -Kubeconfig $server.Kubeconfig -Namespace default -Name why-file -ErrorAction Ignore
        }
    }

    It 'proxy-url (a proxy that refuses): kubectl goes through it and fails; KubernetesClient ignores it; ours goes through it and fails' {
        (Get-KubectlUser -Kubeconfig $two -Arguments --context, proxied) | Should -BeLike 'error:*refused*'
        $kc.proxy | Should -Be 'ok:system:serviceaccount:default:why-file'
        Get-OurUser -Kubeconfig $two -Context proxied | Should -BeLike 'error:KubernetesConnectionRefused: *(Connection refused (127.0.0.1:1))'
    }

    It 'impersonation (as, as-groups, as-uid, as-user-extra): kubectl sends them; KubernetesClient cannot read as-user-extra and sends none; ours sends them' {
        $r = Invoke-Kubectl -Kubeconfig $impersonating -Arguments auth, whoami, -o, json
        $r.ExitCode | Should -Be 0
        $kubectlUser = ($r.Output | ConvertFrom-Json).status.userInfo
        "$($kubectlUser.username) uid=$($kubectlUser.uid) groups=$($kubectlUser.groups -join ',') scopes=$($kubectlUser.extra.scopes -join ',')" |
            Should -Be 'carol uid=uid-42 groups=team-a,system:authenticated scopes=read'
        $kc.impersonation | Should -BeLike 'error:YamlException: *'
        $kc.impersonationNoExtra | Should -Be 'ok:admin uid= groups=system:masters,system:authenticated'
        $ours = Get-K8sIdentity -Kubeconfig $impersonating
        "$($ours.User) uid=$($ours.Uid) groups=$($ours.Groups -join ',') scopes=$($ours.Extra['scopes'] -join ',')" |
            Should -Be 'carol uid=uid-42 groups=team-a,system:authenticated scopes=read'
    }

    It 'impersonating two groups and two extra values: kubectl and ours send one header line per value' {
        # .NET's HttpClient writes repeated values of a header as one line joined with ", ", and the API server does not
        # split header values at commas: ours sends such a request over HTTP/1.1 with one line per value
        # (ImpersonationHeaders). KubernetesClient sends no impersonation headers at all (above).
        $two = Join-Path $TestDrive 'imp-two.kubeconfig'
        Set-Content -LiteralPath $two -Value ((Get-Content -Raw -LiteralPath $impersonating) -replace 'as-groups: \[team-a\]', 'as-groups: [team-a, team-b]' -replace 'scopes: \[read\]', 'scopes: [read, write]')
        $r = Invoke-Kubectl -Kubeconfig $two -Arguments auth, whoami, -o, json
        $kubectlUser = ($r.Output | ConvertFrom-Json).status.userInfo
        $kubectlUser.groups | Should -Be 'team-a', 'team-b', 'system:authenticated'
        $kubectlUser.extra.scopes | Should -Be 'read', 'write'
        $ours = Get-K8sIdentity -Kubeconfig $two
        $ours.Groups | Should -Be 'team-a', 'team-b', 'system:authenticated'
        $ours.Extra['scopes'] | Should -Be 'read', 'write'
        # -Debug shows the values as the kubeconfig has them.
        $debug = Get-K8sIdentity -Kubeconfig $two -Debug 5>&1 | Where-Object { $_ -is [System.Management.Automation.DebugRecord] }
        ($debug.Message -match 'request headers:') | Should -BeLike '*Impersonate-Group: team-a, team-b*'
    }

    It 'exec arguments with spaces: kubectl passes them as given; KubernetesClient splits them at spaces; ours as kubectl' {
        $kubectlLog = Join-Path $TestDrive 'kubectl-spaces.log'
        (Invoke-Kubectl -Kubeconfig $two -Arguments auth, whoami, --context, spaces -PluginLog $kubectlLog).ExitCode | Should -Be 0
        (Read-PluginLog $kubectlLog)[0].Arguments | Should -Be 'one arg', 'two'
        $kc.spaces | Should -Be 'ok:system:serviceaccount:default:why-exec'
        (Read-PluginLog (Join-Path $TestDrive 'kc-spaces.log'))[0].Arguments | Should -Be 'one', 'arg', 'two'
        $oursLog = Join-Path $TestDrive 'ours-spaces.log'
        Get-OurUser -Kubeconfig $two -Context spaces -PluginLog $oursLog | Should -Be 'ok:system:serviceaccount:default:why-exec'
        (Read-PluginLog $oursLog)[0].Arguments | Should -Be 'one arg', 'two'
    }

    It 'exec interactiveMode with no terminal: kubectl runs IfAvailable/Never non-interactive and refuses Always; KubernetesClient runs all three, saying interactive; ours as kubectl' {
        Get-KubectlUser -Kubeconfig $two -Arguments --context, ifavailable | Should -Be 'ok:system:serviceaccount:default:why-exec'
        Get-KubectlUser -Kubeconfig $two -Arguments --context, always | Should -BeLike 'error:*exec plugin cannot support interactive mode: standard input is not a terminal*'
        (Read-PluginLog (Join-Path $TestDrive 'kubectl-plugin.log')).Info | Should -Not -BeLike '*"interactive":true*'
        $kc.ifavailable, $kc.always | Should -Be 'ok:system:serviceaccount:default:why-exec', 'ok:system:serviceaccount:default:why-exec'
        (Read-PluginLog (Join-Path $TestDrive 'kc-always.log'))[0].Info | Should -BeLike '*"kind":"ExecCredentials"*"interactive":true*'
        Get-OurUser -Kubeconfig $two -Context ifavailable | Should -Be 'ok:system:serviceaccount:default:why-exec'
        Get-OurUser -Kubeconfig $two -Context always | Should -BeLike 'error:ExecPluginInteractiveModeUnavailable: *standard input is not a terminal'
        (Read-PluginLog (Join-Path $TestDrive 'ours-plugin.log')).Info | Should -Not -BeLike '*"interactive":true*'
    }

    It 'exec provideClusterInfo: kubectl puts the cluster into KUBERNETES_EXEC_INFO; KubernetesClient does not; ours does' {
        $kubectlLog = Join-Path $TestDrive 'kubectl-info.log'
        (Invoke-Kubectl -Kubeconfig $two -Arguments auth, whoami, --context, info -PluginLog $kubectlLog).ExitCode | Should -Be 0
        ((Read-PluginLog $kubectlLog)[0].Info | ConvertFrom-Json).spec.cluster.server | Should -Be $server.Url
        ((Read-PluginLog (Join-Path $TestDrive 'kc-info.log'))[0].Info | ConvertFrom-Json).spec.PSObject.Properties.Name | Should -Not -Contain 'cluster'
        $oursLog = Join-Path $TestDrive 'ours-info.log'
        Get-OurUser -Kubeconfig $two -Context info -PluginLog $oursLog | Should -Be 'ok:system:serviceaccount:default:why-exec'
        ((Read-PluginLog $oursLog)[0].Info | ConvertFrom-Json).spec.cluster.server | Should -Be $server.Url
    }

    It 'exec credential rejected with 401: kubectl runs the plugin again (for its next request); KubernetesClient keeps the rejected one; ours runs it again and retries' {
        $kubectlLog = Join-Path $TestDrive 'kubectl-reject.log'
        $r = Invoke-Kubectl -Kubeconfig $two -Arguments auth, whoami, --context, reject1 -PluginLog $kubectlLog
        $r.Output | Should -BeLike '*You must be logged in to the server (Unauthorized)*'
        (Read-PluginLog $kubectlLog).Count | Should -Be 2
        $kc.reject | Should -BeLike 'ok:error:*Unauthorized* | error:*Unauthorized* | error:*Unauthorized*'
        (Read-PluginLog (Join-Path $TestDrive 'kc-reject.log')).Count | Should -Be 2 -Because 'it ran once for the configuration and once for the first request, never after a 401'
        $oursLog = Join-Path $TestDrive 'ours-reject.log'
        Get-OurUser -Kubeconfig $two -Context reject1 -PluginLog $oursLog | Should -Be 'ok:system:serviceaccount:default:why-exec'
        (Read-PluginLog $oursLog).Count | Should -Be 2
    }

    It 'a certificate-authority and a server host name not in the certificate: kubectl refuses; KubernetesClient connects; ours refuses' -Skip:(-not $hostNameIsLoopback) {
        Get-KubectlUser -Kubeconfig $two -Arguments --context, byname | Should -BeLike "error:*x509: certificate is valid for *, not $hostName*"
        $kc.hostName | Should -Be 'ok:system:serviceaccount:default:why-file'
        Get-OurUser -Kubeconfig $two -Context byname | Should -BeLike "error:KubernetesTlsFailure: *x509: certificate is valid for *, not $hostName"
    }

    It '429 with Retry-After for 1.5 s: kubectl waits and retries; KubernetesClient fails at once; ours waits and retries' {
        foreach ($client in 'kubectl', 'ours') {
            $marker = Join-Path $TestDrive "$client-throttle.marker"
            $release = Start-ThrottleWindow $marker
            try {
                Wait-ThrottleWindow $marker
                if ($client -eq 'kubectl') {
                    (Invoke-Kubectl -Kubeconfig $one -Arguments get, serviceaccount, default, -o, name).Output | Should -Be 'serviceaccount/default'
                }
                else {
                    (Get-K8sServiceAccount -Kubeconfig $one -Namespace default -Name default).Name | Should -Be 'default'
                }
            }
            finally { $release | Wait-Job | Remove-Job; Set-Throttle 0 }
        }
        $kc.throttled | Should -BeLike "error:HttpOperationException: *'TooManyRequests'*"
        $kc.throttledMilliseconds | Should -BeLessThan 5000
    }

    It 'cold start (a fresh pwsh: load, then read one ServiceAccount), median of 3, beside a bare pwsh start' {
        # Measured, not asserted: the machine is shared. bench/ and BENCHMARKS.md hold the benchmark proper.
        $kubeconfig = $server.Kubeconfig
        $commands = [ordered]@{
            'bare pwsh' = 'exit 0'
            'K8sServiceAccount' = "Import-Module '$(Get-StagedModulePath)'; if ((Get-K8sServiceAccount -Kubeconfig '$kubeconfig' -Namespace default -Name default).Name -ne 'default') { exit 1 }"
            'KubernetesClient' = "foreach (`$d in 'Fractions.dll', 'YamlDotNet.dll', 'KubernetesClient.dll') { Add-Type -LiteralPath (Join-Path '$kcDirectory' `$d) }; " +
                "`$k = [k8s.Kubernetes]::new([k8s.KubernetesClientConfiguration]::BuildConfigFromConfigFile('$kubeconfig')); " +
                "if ([k8s.CoreV1OperationsExtensions]::ReadNamespacedServiceAccount(`$k, 'default', 'default').Metadata.Name -ne 'default') { exit 1 }"
        }
        $median = [ordered]@{}
        foreach ($name in $commands.Keys) {
            $runs = foreach ($i in 1..3) {
                $watch = [Diagnostics.Stopwatch]::StartNew()
                Invoke-ChildPwsh -Command $commands[$name] | Out-Null
                $LASTEXITCODE | Should -Be 0 -Because "$name must succeed"
                $watch.Elapsed.TotalMilliseconds
            }
            $median[$name] = ($runs | Sort-Object)[1]
        }
        Write-Host ('cold start, median of 3: ' + (($median.GetEnumerator() | ForEach-Object { '{0} {1:N0} ms' -f $_.Key, $_.Value }) -join '; '))
    }

    It 'size on disk: KubernetesClient 21.0.8 with its dependencies is twice the whole staged module and several times its IL' {
        $kcBytes = (Get-ChildItem -LiteralPath $kcDirectory -File | Measure-Object Length -Sum).Sum
        $folder = Split-Path (Get-StagedModulePath)
        $oursBytes = (Get-ChildItem -LiteralPath $folder -File -Recurse | Measure-Object Length -Sum).Sum
        # The folder carries the client and YamlDotNet twice: as IL for .NET 8 (PowerShell 7.4) and precompiled
        # (ReadyToRun) for .NET 10, which alone saves the JIT at start. A session loads one of the two.
        $r2rBytes = (Get-ChildItem -LiteralPath (Join-Path $folder 'Dependencies/net10.0') -File | Measure-Object Length -Sum).Sum
        # IL against IL (KubernetesClient ships no precompiled code): the cmdlets, the client and YamlDotNet as .NET 8 loads them.
        $ilBytes = (@(Get-Item -LiteralPath (Join-Path $folder 'K8sServiceAccount.dll')) + @(Get-ChildItem -LiteralPath (Join-Path $folder 'Dependencies') -File) | Measure-Object Length -Sum).Sum
        Write-Host ("size: KubernetesClient+Fractions+YamlDotNet {0:N1} MB; staged module {1:N1} MB, of which the .NET 10 ReadyToRun dependencies {2:N1} MB and the IL assemblies {3:N1} MB" -f ($kcBytes / 1MB), ($oursBytes / 1MB), ($r2rBytes / 1MB), ($ilBytes / 1MB))
        $r2rBytes | Should -BeGreaterThan 0 -Because 'the staged module carries the ReadyToRun dependencies'
        $kcBytes | Should -BeGreaterThan (2 * $oursBytes)
        $kcBytes | Should -BeGreaterThan (5 * $ilBytes)
    }
}

#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Issue 11, defects 7, 8 and 10: values from tokens, servers and files are bounded and escaped in messages;
    New-K8sSaKubeconfig -Path refuses what is not a regular file before any token is requested; a credential
    sent over plain HTTP is warned about once per connection. The hostile server is a small python3 HTTP server
    that answers every request with a Status whose message holds ANSI escapes and newlines.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-Module (Get-StagedModulePath) -Force -ErrorAction Stop
    $script:esc = [char]27

    function New-Jwt([hashtable] $Claims) {
        $b64 = { param($s) [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($s)).TrimEnd('=').Replace('+', '-').Replace('/', '_') }
        (& $b64 '{"alg":"RS256","kid":"k"}') + '.' + (& $b64 ($Claims | ConvertTo-Json -Compress)) + '.c2ln'
    }

    # A plain-HTTP server answering 403 with a hostile Status message.
    $script:pyFile = Join-Path $TestDrive 'hostile.py'
    Set-Content -LiteralPath $pyFile -Value @'
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def handle_one(self):
        body = json.dumps({"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Forbidden", "code": 403,
            "message": "\u001b[2J\u001b[31mWARNING: fake\r\nPS C:\\> " + "x" * 5000}).encode()
        self.send_response(403); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    do_GET = do_POST = do_PUT = do_DELETE = handle_one
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
'@
    $script:portFile = Join-Path $TestDrive 'port.txt'
    $script:py = Start-Process python3 -ArgumentList $pyFile -PassThru -RedirectStandardOutput $portFile -NoNewWindow
    $deadline = (Get-Date).AddSeconds(20)
    while (-not (Get-Content -LiteralPath $portFile -ErrorAction Ignore)) { if ((Get-Date) -gt $deadline) { throw 'python server did not start' }; Start-Sleep -Milliseconds 100 }
    $script:port = (Get-Content -Raw -LiteralPath $portFile).Trim()
    $script:secret = 'plain-http-secret-token-0123456789'
    $script:httpKubeconfig = Join-Path $TestDrive 'http.kubeconfig'
    Set-Content -LiteralPath $httpKubeconfig -Value @"
apiVersion: v1
kind: Config
clusters:
- name: plain
  cluster: {server: "127.0.0.1:$port"}
users:
- name: u
  user: {token: $secret}
contexts:
- name: c
  context: {cluster: plain, user: u, namespace: default}
current-context: c
"@
}

AfterAll {
    if ($script:py) { Stop-Process -Id $script:py.Id -ErrorAction Ignore }
    Remove-Module K8sServiceAccount -ErrorAction Ignore
}

Describe 'Defect 7: untrusted values in messages are bounded and escaped' {
    It 'cuts a 1 MB issuer in ConvertFrom-K8sSaToken''s error' {
        $token = New-Jwt @{ iss = ('i' * 1MB); sub = 'x' }
        $err = $null
        $null = ConvertFrom-K8sSaToken -Token $token -ErrorVariable err -ErrorAction SilentlyContinue
        $err | Should -HaveCount 1
        $err[0].Exception.Message.Length | Should -BeLessThan 600
        $err[0].Exception.Message | Should -Match '1048576 characters'
    }

    It 'escapes ANSI and newlines in an issuer' {
        $token = New-Jwt @{ iss = "$esc[31mWARNING: fake`r`nPS> "; sub = 'x' }
        $err = $null
        $null = ConvertFrom-K8sSaToken -Token $token -ErrorVariable err -ErrorAction SilentlyContinue
        $message = $err[0].Exception.Message
        $message | Should -Not -Match '[\x00-\x1f\x7f]'
        $message | Should -BeLike '*\e`[31mWARNING: fake\r\nPS>*'
    }

    It 'escapes and bounds a server Status message' {
        $err = $null
        $null = Get-K8sServiceAccount -Kubeconfig $httpKubeconfig -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $err | Should -Not -BeNullOrEmpty
        $message = $err[0].Exception.Message
        $message | Should -Not -Match '[\x00-\x08\x0a-\x1f\x7f]'
        $message | Should -BeLike '*\e`[31mWARNING: fake\r\nPS*'
        $message.Length | Should -BeLessThan 1500
    }

    It 'escapes a kubeconfig field (a cluster name with ANSI) in the insecure-skip-tls-verify warning' {
        $path = Join-Path $TestDrive 'ansi.kubeconfig'
        Set-Content -LiteralPath $path -Value @"
apiVersion: v1
kind: Config
clusters:
- name: "evil\e[2J\r\nWARNING"
  cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}
users:
- name: u
  user: {}
contexts:
- name: c
  context: {cluster: "evil\e[2J\r\nWARNING", user: u}
current-context: c
"@
        $warnings = $null
        $null = Get-K8sServiceAccount -Kubeconfig $path -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
        $insecure = @($warnings | Where-Object { "$_" -like '*insecure-skip-tls-verify*' })
        $insecure | Should -HaveCount 1
        "$($insecure[0])" | Should -Not -Match '[\x00-\x1f]'
        "$($insecure[0])" | Should -BeLike '*evil\e`[2J\r\nWARNING*'
    }
}

Describe 'Defect 8: New-K8sSaKubeconfig -Path -Force replaces only a regular file' {
    BeforeAll {
        # A server nobody listens on: a token request would fail with a connection error, so a
        # PathNotRegularFile error proves that the path was refused before any request.
        $script:deadKubeconfig = Join-Path $TestDrive 'dead.kubeconfig'
        Set-Content -LiteralPath $deadKubeconfig -Value @'
apiVersion: v1
kind: Config
clusters:
- name: d
  cluster: {server: "https://127.0.0.1:9"}
users:
- name: u
  user: {token: abc}
contexts:
- name: c
  context: {cluster: d, user: u, namespace: default}
current-context: c
'@
        $script:fifo = Join-Path $TestDrive 'fifo'
        & mkfifo $fifo
        $script:dir = Join-Path $TestDrive 'adir'
        $null = New-Item -ItemType Directory -Path $dir
        $script:link = Join-Path $TestDrive 'devnull-link'
        $null = New-Item -ItemType SymbolicLink -Path $link -Target '/dev/null'
    }

    It 'refuses <Name> before any token is requested' -Skip:$IsWindows -TestCases @(
        @{ Name = 'a FIFO' ; Key = 'fifo' }
        @{ Name = 'a directory'; Key = 'dir' }
        @{ Name = 'a symbolic link to /dev/null'; Key = 'link' }
    ) {
        $target = @{ fifo = $fifo; dir = $dir; link = $link }[$Key]
        { New-K8sSaKubeconfig -ServiceAccount default/x -Path $target -Force -Kubeconfig $deadKubeconfig -ErrorAction Stop } |
            Should -Throw -ErrorId 'PathNotRegularFile,*'
        (Get-Item -LiteralPath $target -Force).LinkType | Should -Be $(if ($Key -eq 'link') { 'SymbolicLink' } else { $null })
    }

    It 'refuses a path in a folder that does not exist before any token is requested, naming the folder' {
        $target = Join-Path $TestDrive 'no-such-folder/sa.kubeconfig'
        $failure = { New-K8sSaKubeconfig -ServiceAccount default/x -Path $target -Kubeconfig $deadKubeconfig -ErrorAction Stop } |
            Should -Throw -ErrorId 'FileWriteFailed,*' -PassThru
        "$failure" | Should -Be "Could not write $target`: the folder $(Split-Path $target) does not exist; nothing was written."
        $failure.CategoryInfo.Category | Should -Be 'WriteError'
    }
}

Describe 'Defect 10: a credential over plain HTTP is warned about once' {
    It 'warns once, without the token, for a server without a scheme' {
        $warnings = $null
        $null = Get-K8sServiceAccount -Kubeconfig $httpKubeconfig -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
        $plain = @($warnings | Where-Object { "$_" -like '*plain HTTP*' })
        $plain | Should -HaveCount 1
        "$warnings" | Should -Not -BeLike "*$secret*"
    }
}

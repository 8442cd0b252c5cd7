#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Issue 11, "Secrets": no token, client key or password in anything the module prints, formats, logs or writes.
    scripts/Invoke-SecretsScan.ps1 runs Pester files with Verbose and Debug on and everything captured (transcript,
    streams, every cmdlet output object's ToString and Format-List *, $Error, every TestDrive file, child pwsh output,
    TMPDIR) and searches it for every token and client key the local API servers issued and every credential of the
    kubeconfigs (see tests/Pester/SecretsScan.ps1). Here, in CI: a bounded subset of the suite (the token and
    connection files) must give 0 hits, and a run that leaks a real token on purpose must be caught, in each captured
    channel and encoding, without the scan printing the token. The whole suite: scripts/Invoke-SecretsScan.ps1 alone.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:repoRoot = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../..'))
    $script:scan = Join-Path $repoRoot 'scripts/Invoke-SecretsScan.ps1'

    function Read-SecretsLog([string] $Capture) {
        # The tokens and keys the inner run's servers issued (to check that the scan's output holds none of them).
        foreach ($log in Get-ChildItem -LiteralPath (Join-Path $Capture 'secrets') -Filter '*.secrets.log') {
            foreach ($line in Get-Content -LiteralPath $log.FullName) {
                [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($line.Split("`t")[1]))
            }
        }
    }
}

Describe 'Secrets scan' {
    It 'finds no token, client key or password in what the token and connection tests print, format, log or write' {
        $capture = Join-Path $TestDrive 'subset'
        $subset = 'Cmdlets.Token.Tests.ps1', 'ConnectionScope.Tests.ps1' | ForEach-Object { Join-Path $PSScriptRoot $_ }
        $output = Invoke-ChildPwsh -File $scan -Path ($subset -join ',') -CaptureDirectory $capture 2>&1 | Out-String
        $exit = $LASTEXITCODE
        $report = Get-Content -Raw -LiteralPath (Join-Path $capture 'report.json') | ConvertFrom-Json
        $report.Tests | Should -Match '^[1-9]\d* passed, 0 failed' -Because $output
        $report.CaptureErrors | Should -Be 0
        $report.SecretsByKind.token | Should -BeGreaterThan 10
        $report.SecretsByKind.'legacy-token' | Should -BeGreaterThan 0
        $report.SecretsByKind.'client-key' | Should -BeGreaterThan 1
        $report.SecretsByKind.password | Should -BeGreaterThan 0
        $report.ObjectsRecorded | Should -BeGreaterThan 20
        $report.ErrorsRecorded | Should -BeGreaterThan 0
        $report.FilesScanned | Should -BeGreaterThan 5
        # Verbose and debug were on: the transcript holds the module's request lines.
        Get-Content -Raw -LiteralPath (Join-Path $capture 'transcript.txt') | Should -Match 'DEBUG: POST https://127\.0\.0\.1:\d+/api/v1/namespaces/ci/serviceaccounts/build-robot/token'
        $report.Hits | Should -Be 0 -Because ($report.HitList | Format-Table | Out-String)
        $exit | Should -Be 0
    }

    It 'reports a token planted in the transcript, a written file, $Error and an output object, and never prints it' {
        $capture = Join-Path $TestDrive 'plant'
        $testServer = Join-Path $PSScriptRoot 'TestServer.ps1'
        $plantFile = Join-Path $TestDrive 'Plant.Tests.ps1'
        Set-Content -LiteralPath $plantFile -Value @"
BeforeAll {
    . '$testServer'
    `$script:server = Start-TestSession -Directory `$TestDrive
}
AfterAll { Stop-TestSession -Server `$script:server }
Describe 'a leak on purpose' {
    It 'leaks a token in four channels and encodings' {
        `$token = Get-K8sSaToken -ServiceAccount default -AsPlainText
        `$signature = `$token.Split('.')[2]
        Write-Verbose "planted: `$token"
        Set-Content -LiteralPath (Join-Path `$TestDrive 'leak.txt') -Value ([Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes(`$token)))
        Write-Error "planted signature `$signature" -ErrorAction SilentlyContinue
        & (Get-Module K8sServiceAccount) { param(`$s) [pscustomobject]@{ Planted = `$s.Substring(0, 20) } | Write-SecretsCaptureObject -Command Plant } `$signature | Out-Null
    }
}
"@
        $output = Invoke-ChildPwsh -File $scan -Path $plantFile -CaptureDirectory $capture 2>&1 | Out-String
        $exit = $LASTEXITCODE
        $reportText = Get-Content -Raw -LiteralPath (Join-Path $capture 'report.json')
        $report = $reportText | ConvertFrom-Json
        $report.Tests | Should -Be '1 passed, 0 failed, 0 skipped' -Because $output
        $exit | Should -Be 1
        $hits = @($report.HitList | ForEach-Object { '{0} {1}' -f ($_.File -replace '^(\w+)[/\\].*$', '$1'), $_.Form } | Sort-Object -Unique)
        $hits | Should -Contain 'transcript.txt raw'
        $hits | Should -Contain 'runner.stdout raw'
        $hits | Should -Contain 'files base64'
        $hits | Should -Contain 'errors jwt-signature'
        $hits | Should -Contain 'objects jwt-signature-prefix16'
        @($report.HitList.Kind | Sort-Object -Unique) | Should -Be 'token'
        $output | Should -Match 'HIT: transcript\.txt at byte \d+: secret #\d+ \(token from local API server, sha256 [0-9a-f]{12}\.\.\.\) as raw'
        # The scan names secrets by index and hash only.
        $tokens = @(Read-SecretsLog $capture)
        $tokens.Count | Should -BeGreaterThan 1
        foreach ($token in $tokens) {
            $output.Contains($token) | Should -BeFalse
            $reportText.Contains($token) | Should -BeFalse
            if ($token.Split('.').Count -eq 3) {
                $output.Contains($token.Split('.')[2].Substring(0, 16)) | Should -BeFalse
            }
        }
    }
}

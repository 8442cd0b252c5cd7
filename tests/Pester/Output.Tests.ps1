#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    What the module writes, against the local API server (TestServer.ps1):
    - no credential in any of the six streams unless -AsPlainText asks for it, and -WhatIf creates nothing on the server
      (no TokenRequest, no Secret);
    - Test-K8sPermission's results in input order, streaming, while the server answers in a random order (jitter).
    The server's state is read, and its faults set, over REST with the admin client certificate of its kubeconfig.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-Module (Get-StagedModulePath) -Force -ErrorAction Stop
    $script:server = Start-LocalApiServer -Directory $TestDrive
    $script:kubeconfig = $server.Kubeconfig
    $script:ns = 'default'
    Connect-K8sCluster -Kubeconfig $kubeconfig -Namespace $ns

    function Invoke-Admin([string] $Method, [string] $Path, [object] $Body) {
        Invoke-TestServerRequest -Server $server -Method $Method -Path $Path -Body $Body
    }

    function Get-SecretName { @((Invoke-Admin GET "/api/v1/namespaces/$ns/secrets").items.metadata.name) }

    # Everything a record of any stream shows or carries, as text: a credential must not be anywhere in it.
    function ConvertTo-StreamText {
        param([Parameter(ValueFromPipeline)] [object] $Record)
        process {
            $Record | Out-String -Width 4096
            switch ($Record) {
                { $_ -is [Management.Automation.ErrorRecord] } {
                    $_.Exception.ToString(); "$($_.TargetObject)"; "$($_.ErrorDetails)"; $_.CategoryInfo.ToString()
                }
                { $_ -is [Management.Automation.InformationalRecord] } { $_.Message }
                { $_ -is [Management.Automation.InformationRecord] } { "$($_.MessageData)" }
                { $_ -is [string] } { $_ }
                default { $_.PSObject.Properties | ForEach-Object { "$($_.Name)=$($_.Value)" } }
            }
        }
    }

    # A JWT (header.payload.signature, each base64url, the first two JSON objects): any token this server issues.
    $script:jwtPattern = 'eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+'

    $null = New-K8sServiceAccount -Name output-sa
}

AfterAll {
    Disconnect-K8sCluster
    Stop-LocalApiServer -Server $script:server
    Remove-Module K8sServiceAccount -ErrorAction Ignore
}

Describe 'No credential is written unless -AsPlainText asks, in any of the six streams' {
    BeforeAll {
        # The legacy token is stable: its exact text is looked for below, as well as any JWT.
        $script:legacyToken = Get-K8sSaToken -ServiceAccount output-sa -Legacy -Timeout 30s -AsPlainText
    }

    It 'Get-K8sSaToken writes the bound token only as a SecureString' {
        $records = Get-K8sSaToken -ServiceAccount output-sa -Verbose -Debug *>&1
        $token = $records | Where-Object { $_ -is [K8sServiceAccount.K8sSaTokenInfo] }
        $token.Token | Should -BeOfType [securestring]
        ($records | ConvertTo-StreamText) -join "`n" | Should -Not -Match $jwtPattern
    }

    It 'Get-K8sSaToken -Legacy writes the Secret''s token only as a SecureString' {
        $legacyToken | Should -Match "^$jwtPattern$"
        $records = Get-K8sSaToken -ServiceAccount output-sa -Legacy -Verbose -Debug *>&1
        ($records | Where-Object { $_ -is [K8sServiceAccount.K8sSaTokenInfo] }).IsLegacy | Should -BeTrue
        $text = ($records | ConvertTo-StreamText) -join "`n"
        $text.Contains($legacyToken) | Should -BeFalse
        $text | Should -Not -Match $jwtPattern
    }

    It 'ConvertFrom-K8sSaToken and Test-K8sSaToken never echo the token, also when they reject it' {
        # A token whose signature no longer matches (the server rejects it) and one that is no JWT (decoding fails).
        $forged = $legacyToken.Substring(0, $legacyToken.Length - 4) + 'AAAA'
        $records = & {
            $legacyToken | ConvertFrom-K8sSaToken -Verbose -Debug
            $legacyToken | Test-K8sSaToken -Verbose -Debug
            $forged | Test-K8sSaToken -Verbose -Debug
            'eyJhbGciOiJub25lIn0.eyJub3QiOiJhIHRva2VuIn0.bm90LWEtdG9rZW4' | ConvertFrom-K8sSaToken -Verbose -Debug -ErrorAction Continue
        } *>&1
        $text = ($records | ConvertTo-StreamText) -join "`n"
        $text.Contains($legacyToken) | Should -BeFalse
        $text.Contains($forged) | Should -BeFalse
        $text | Should -Not -Match $jwtPattern
    }

    It 'New-K8sSaKubeconfig without -Path or -AsPlainText is an error naming both, before any token is requested' {
        $records = & { try { New-K8sSaKubeconfig -ServiceAccount output-sa -Verbose -Debug } catch { $_ } } *>&1
        ($records | ConvertTo-StreamText) -join "`n" | Should -Not -Match $jwtPattern
        $failure = $records | Where-Object { $_ -is [Management.Automation.ErrorRecord] }
        $failure.FullyQualifiedErrorId | Should -Be 'PathOrAsPlainTextRequired,K8sServiceAccount.Commands.NewK8sSaKubeconfigCommand'
        $failure.Exception.Message | Should -BeLike '*-Path*-AsPlainText*'
        ($records | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Message | Should -Not -Match '/token '
    }

    It 'New-K8sSaKubeconfig -AsPlainText returns the kubeconfig text, token included' {
        $yaml = New-K8sSaKubeconfig -ServiceAccount output-sa -AsPlainText
        $yaml | Should -BeOfType [string]
        $yaml | Should -Match "token: $jwtPattern"
    }

    It 'New-K8sSaKubeconfig -Path writes the token only to the file' {
        $path = Join-Path $TestDrive 'output-sa.kubeconfig'
        $records = New-K8sSaKubeconfig -ServiceAccount output-sa -Path $path -Verbose -Debug *>&1
        ($records | Where-Object { $_ -is [K8sServiceAccount.K8sSaKubeconfigFile] }).Path | Should -Be $path
        ($records | ConvertTo-StreamText) -join "`n" | Should -Not -Match $jwtPattern
        Get-Content -Raw -LiteralPath $path | Should -Match "token: $jwtPattern"
    }

    It 'New-K8sSaKubeconfig refuses -AsPlainText with -Path, naming both' {
        { New-K8sSaKubeconfig -ServiceAccount output-sa -Path (Join-Path $TestDrive 'both.kubeconfig') -AsPlainText } |
            Should -Throw -ErrorId 'AsPlainTextWithPath,K8sServiceAccount.Commands.NewK8sSaKubeconfigCommand' -ExpectedMessage '*-AsPlainText*-Path*'
        Join-Path $TestDrive 'both.kubeconfig' | Should -Not -Exist
    }
}

Describe '-WhatIf creates nothing on the server' {
    # A TokenRequest leaves no object behind: the client's request lines (-Verbose) show whether one was sent.
    It 'Get-K8sSaToken -WhatIf requests no token and writes none' {
        $records = Get-K8sSaToken -ServiceAccount output-sa -WhatIf -Verbose -Debug *>&1
        $records | Where-Object { $_ -is [K8sServiceAccount.K8sSaTokenInfo] } | Should -BeNullOrEmpty
        ($records | ConvertTo-StreamText) -join "`n" | Should -Not -Match $jwtPattern
        ($records | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Message |
            Where-Object { $_ -match '^POST \S+/serviceaccounts/output-sa/token ' } | Should -BeNullOrEmpty

        # The same command without -WhatIf does send it: the line looked for above is the right one.
        (Get-K8sSaToken -ServiceAccount output-sa -Verbose 4>&1 | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Message |
            Where-Object { $_ -match '^POST \S+/serviceaccounts/output-sa/token ' } | Should -Not -BeNullOrEmpty
    }

    It 'Get-K8sSaToken -Legacy -WhatIf creates no Secret for a ServiceAccount that has none' {
        $null = New-K8sServiceAccount -Name whatif-sa
        $before = Get-SecretName
        $records = Get-K8sSaToken -ServiceAccount whatif-sa -Legacy -WhatIf -Verbose -Debug *>&1
        $records | Where-Object { $_ -is [K8sServiceAccount.K8sSaTokenInfo] } | Should -BeNullOrEmpty
        Get-SecretName | Should -Be $before
    }

    It 'New-K8sSaKubeconfig -AsPlainText -WhatIf requests no token and writes none' {
        $records = New-K8sSaKubeconfig -ServiceAccount output-sa -AsPlainText -WhatIf -Verbose -Debug *>&1
        ($records | ConvertTo-StreamText) -join "`n" | Should -Not -Match $jwtPattern
        $records | Where-Object { $_ -is [string] } | Should -BeNullOrEmpty
        ($records | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Message |
            Where-Object { $_ -match '^POST \S+/token ' } | Should -BeNullOrEmpty
    }

    It 'New-K8sSaKubeconfig -Path -WhatIf requests no token and writes no file' {
        $path = Join-Path $TestDrive 'whatif.kubeconfig'
        $records = New-K8sSaKubeconfig -ServiceAccount output-sa -Path $path -WhatIf -Verbose -Debug *>&1
        ($records | ConvertTo-StreamText) -join "`n" | Should -Not -Match $jwtPattern
        ($records | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Message |
            Where-Object { $_ -match '^POST \S+/token ' } | Should -BeNullOrEmpty
        $path | Should -Not -Exist
    }

    It 'New-K8sServiceAccount -WhatIf creates no ServiceAccount and no Secret' {
        $before = Get-SecretName
        New-K8sServiceAccount -Name never-created -WhatIf
        Get-K8sServiceAccount -Name never-created -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Get-SecretName | Should -Be $before
    }
}

Describe 'Test-K8sPermission writes its results in input order' {
    BeforeAll {
        # 200 rows over four ServiceAccounts and four verbs, each named by its position.
        $script:rows = foreach ($i in 0..199) {
            [pscustomobject]@{
                ServiceAccount = "$ns/reader-$($i % 4)"
                Verb           = ('get', 'list', 'watch', 'delete')[($i -shr 2) % 4]
                Resource       = ('pods', 'configmaps', 'secrets')[$i % 3]
                Name           = 'row-{0:d3}' -f $i
            }
        }
        $script:expected = $rows.Name
        # reader-0 may get and list pods and configmaps: the answers differ from row to row.
        $null = Grant-K8sPermission -ServiceAccount "$ns/reader-0" -Verb get, list -Resource pods, configmaps
        $script:expectedAllowed = $rows | ForEach-Object {
            $_.ServiceAccount -eq "$ns/reader-0" -and $_.Verb -in 'get', 'list' -and $_.Resource -in 'pods', 'configmaps'
        }
        # Every request waits 0-40 ms more, at random: the checks finish in another order than they started.
        $null = Invoke-Admin PUT '/admin/faults' @{ jitterMilliseconds = 40 }
    }

    AfterAll {
        $null = Invoke-Admin PUT '/admin/faults' @{}
    }

    It 'keeps input order while the server answers in random order (run <_>)' -ForEach (1..3) {
        $results = $rows | Test-K8sPermission
        $results | Should -HaveCount 200
        $results.Name | Should -Be $expected
        $results.Allowed | Should -Be $expectedAllowed
        $results.Subject | Should -Be ($rows | ForEach-Object { "system:serviceaccount:$($_.ServiceAccount -replace '/', ':')" })
    }

    It 'keeps input order with -Quiet and a small -ThrottleLimit' {
        $answers = $rows | Test-K8sPermission -ThrottleLimit 3 -Quiet
        $answers | Should -HaveCount 200
        $answers | Should -Be $expectedAllowed
    }

    It 'streams: the first result comes before the input ends, and no more than 4 x -ThrottleLimit rows wait for theirs' {
        $events = [Collections.Generic.List[string]]::new()
        $produced = 0
        $written = 0
        $mostAhead = 0
        $rows | ForEach-Object {
            $produced++
            $events.Add("row $($_.Name)")
            $_
        } | Test-K8sPermission -ThrottleLimit 4 | ForEach-Object {
            $written++
            $mostAhead = [Math]::Max($mostAhead, $produced - $written)
            $events.Add("result $($_.Name)")
        }
        $events.IndexOf('result row-000') | Should -BeLessThan $events.IndexOf('row row-199')
        # A row is handed on only when it can be admitted: at most 4 checks run and 16 rows are held for input order
        # (4 x -ThrottleLimit), plus the one being handed on.
        $mostAhead | Should -BeLessOrEqual 17
        @($events | Where-Object { $_ -like 'result *' }) -replace '^result ', '' | Should -Be $expected
    }
}

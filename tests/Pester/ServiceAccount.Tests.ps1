#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    The ServiceAccount and token cmdlets against the local API server: New -> Get -> Set -> Get-K8sSaToken ->
    ConvertFrom -> Test -> New-K8sSaKubeconfig -> kubectl auth whoami with it -> Remove.
    The server is the built tests/K8sServiceAccount.LocalApiServer, started on a free port by TestServer.ps1; it
    writes an admin kubeconfig to TestDrive when it is ready.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-Module (Get-StagedModulePath) -Force -ErrorAction Stop
    $script:server = Start-LocalApiServer -Directory $TestDrive
    $script:kubeconfig = $server.Kubeconfig

    # Every command below uses this server and namespace, as after Connect-K8sCluster in a real session.
    $script:ns = 'default'
    Connect-K8sCluster -Kubeconfig $kubeconfig -Namespace $ns

    $script:kubectl = @('/usr/lib/google-cloud-sdk/bin/kubectl.1.28', (Get-Command kubectl -ErrorAction Ignore).Source) |
        Where-Object { $_ -and (Test-Path -LiteralPath $_) } | Select-Object -First 1
}

AfterAll {
    Disconnect-K8sCluster
    Stop-LocalApiServer -Server $script:server
    Remove-Module K8sServiceAccount -ErrorAction Ignore
}

Describe 'ServiceAccount lifecycle' {
    It 'creates a ServiceAccount with labels' {
        $script:sa = New-K8sServiceAccount -Name app -Label @{ team = 'payments' }
        $sa.PSObject.TypeNames[0] | Should -Be 'K8sServiceAccount.K8sServiceAccountInfo'
        $sa.Name | Should -Be 'app'
        $sa.Namespace | Should -Be $ns
        $sa.Labels['team'] | Should -Be 'payments'
        $sa.Uid | Should -Not -BeNullOrEmpty
        $sa.CreationTimestamp | Should -BeOfType [datetime]
    }

    It 'rejects an invalid name before any request, with the server''s wording' {
        $null = New-K8sServiceAccount -Name 'Bad_Name' -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -Be 'InvalidServiceAccountName,K8sServiceAccount.Commands.NewK8sServiceAccountCommand'
        $failures[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $failures[0].Exception.Message | Should -BeLike '*a lowercase RFC 1123 subdomain*'
    }

    It 'reports a taken name as ResourceExists, or returns the existing object with -Force' {
        $null = New-K8sServiceAccount -Name app -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -Be 'KubernetesAlreadyExists,K8sServiceAccount.Commands.NewK8sServiceAccountCommand'
        $failures[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        $failures[0].Exception.Message | Should -BeLike '*serviceaccounts "app" already exists*'

        $existing = New-K8sServiceAccount -Name app -Force -WarningVariable warnings -WarningAction SilentlyContinue
        $existing.Uid | Should -Be $sa.Uid
        $warnings[0] | Should -BeLike '*already exists*'
    }

    It 'gets it by name and by wildcard, and reports a missing name' {
        (Get-K8sServiceAccount -Name app).Uid | Should -Be $sa.Uid
        (Get-K8sServiceAccount -Name 'ap*').Name | Should -Contain 'app'
        Get-K8sServiceAccount -Name 'zz*' | Should -BeNullOrEmpty
        { Get-K8sServiceAccount -Name nosuch -ErrorAction Stop } |
            Should -Throw -ErrorId 'KubernetesNotFound,K8sServiceAccount.Commands.GetK8sServiceAccountCommand'
        (Get-K8sServiceAccount -Name app -AllNamespaces).Namespace | Should -Be $ns
        { Get-K8sServiceAccount -Name nosuch -AllNamespaces -ErrorAction Stop } |
            Should -Throw -ErrorId 'KubernetesNotFound,K8sServiceAccount.Commands.GetK8sServiceAccountCommand'
        Get-K8sServiceAccount | Format-Table | Out-String | Should -Match 'Namespace\s+Name\s+Secrets\s+Age'
    }

    It 'sets labels and keeps the others' {
        $updated = Set-K8sServiceAccount -Name app -Label @{ tier = 'web' } -PassThru
        $updated.Labels['team'] | Should -Be 'payments'
        $updated.Labels['tier'] | Should -Be 'web'
        (Get-K8sServiceAccount -Name app).Labels['tier'] | Should -Be 'web'
    }

    It 'gets a bound token as a SecureString, or as plain text from the pipeline' {
        $script:token = Get-K8sSaToken -ServiceAccount app -Duration (New-TimeSpan -Minutes 20)
        $token.Token | Should -BeOfType [securestring]
        $token.GrantedDuration | Should -Be (New-TimeSpan -Minutes 20)
        $token.ExpirationTimestamp | Should -BeGreaterThan ([datetime]::UtcNow)
        $token | Out-String | Should -Not -Match 'eyJ'

        $plain = Get-K8sServiceAccount -Name app | Get-K8sSaToken -AsPlainText
        $plain | Should -BeOfType [string]
        $plain.Split('.').Count | Should -Be 3
    }

    It 'refuses a token shorter than 10 minutes before the request' {
        { Get-K8sSaToken -ServiceAccount app -Duration (New-TimeSpan -Minutes 5) } |
            Should -Throw -ErrorId 'TokenDurationTooShort,K8sServiceAccount.Commands.GetK8sSaTokenCommand'
    }

    It 'takes durations as kubectl create token --duration does, or as a TimeSpan' {
        (Get-K8sSaToken -ServiceAccount app -Duration 1h30m).GrantedDuration | Should -Be (New-TimeSpan -Minutes 90)
        # 3600s is an Int16 literal to PowerShell; the parameter reads it as typed.
        (Get-K8sSaToken -ServiceAccount app -Duration 3600s).GrantedDuration | Should -Be (New-TimeSpan -Hours 1)
        (Get-K8sSaToken -ServiceAccount app -Duration '00:20:00').GrantedDuration | Should -Be (New-TimeSpan -Minutes 20)
    }

    It 'refuses a number without a unit, naming -Duration and the value' {
        $failure = { Get-K8sSaToken -ServiceAccount app -Duration 3600 } | Should -Throw -PassThru
        $failure.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError,*'
        $failure.Exception.Message | Should -BeLike '*parameter ''Duration''*Cannot read "3600" as a duration: time: missing unit in duration "3600"*'
    }

    It 'refuses a fraction of a second before the request, as kubectl does' {
        { Get-K8sSaToken -ServiceAccount app -Duration 1.5s } |
            Should -Throw -ErrorId 'InvalidTokenDuration,K8sServiceAccount.Commands.GetK8sSaTokenCommand'
    }

    It 'decodes the token offline' {
        $claims = $token | ConvertFrom-K8sSaToken
        $claims.Format | Should -Be 'Bound'
        $claims.Namespace | Should -Be $ns
        $claims.ServiceAccount | Should -Be 'app'
        $claims.ServiceAccountUid | Should -Be $sa.Uid
        $claims.IsExpired | Should -BeFalse
    }

    It 'reports a value that is not a JWT without echoing it' {
        $null = 'not-a-jwt' | ConvertFrom-K8sSaToken -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -Be 'TokenNotJwt,K8sServiceAccount.Commands.ConvertFromK8sSaTokenCommand'
        $failures[0].Exception.Message | Should -Not -BeLike '*not-a-jwt*'
    }

    It 'reviews the token with the API server' {
        $review = $token | Test-K8sSaToken
        $review.Authenticated | Should -BeTrue
        $review.User | Should -Be "system:serviceaccount:${ns}:app"
        $review.Groups | Should -Contain "system:serviceaccounts:$ns"
    }

    It 'writes an owner-only kubeconfig and does not overwrite it without -Force' {
        $script:saKubeconfig = Join-Path $TestDrive 'app.kubeconfig'
        $file = New-K8sSaKubeconfig -ServiceAccount app -Path $saKubeconfig
        $file.Path | Should -Be $saKubeconfig
        if (-not $IsWindows) { (Get-Item -LiteralPath $saKubeconfig).UnixMode | Should -Be '-rw-------' }

        $null = New-K8sSaKubeconfig -ServiceAccount app -Path $saKubeconfig -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -Be 'FileAlreadyExists,K8sServiceAccount.Commands.NewK8sSaKubeconfigCommand'
    }

    It 'authenticates kubectl as the ServiceAccount with that kubeconfig' {
        if (-not $kubectl) { Set-ItResult -Skipped -Because 'kubectl is not installed' }
        $whoami = & $kubectl --kubeconfig $saKubeconfig auth whoami -o json | ConvertFrom-Json
        $LASTEXITCODE | Should -Be 0
        $whoami.status.userInfo.username | Should -Be "system:serviceaccount:${ns}:app"
    }

    It 'gets a legacy token from a Secret the token controller fills' {
        $legacy = Get-K8sSaToken -ServiceAccount app -Legacy -Timeout 30s
        $legacy.IsLegacy | Should -BeTrue
        $legacy.SecretName | Should -BeLike 'app-token-*'
        ($legacy | ConvertFrom-K8sSaToken).Format | Should -Be 'Legacy'
        (Get-K8sSaToken -ServiceAccount app -Legacy).SecretName | Should -Be $legacy.SecretName
    }

    It 'removes what Get-K8sServiceAccount pipes to it' {
        'tmp-1', 'tmp-2' | New-K8sServiceAccount | Should -HaveCount 2
        $removed = Get-K8sServiceAccount -Name 'tmp-*' | Remove-K8sServiceAccount -Confirm:$false -PassThru
        ($removed.Name | Sort-Object) | Should -Be @('tmp-1', 'tmp-2')
        Get-K8sServiceAccount -Name 'tmp-*' | Should -BeNullOrEmpty
    }

    It 'removes the ServiceAccount, and its tokens stop working' {
        Remove-K8sServiceAccount -Name app -Confirm:$false
        { Get-K8sServiceAccount -Name app -ErrorAction Stop } |
            Should -Throw -ErrorId 'KubernetesNotFound,K8sServiceAccount.Commands.GetK8sServiceAccountCommand'
        ($token | Test-K8sSaToken).Authenticated | Should -BeFalse
    }
}

Describe 'Help' {
    It 'has a synopsis, a description and examples for <_>' -ForEach @(
        'New-K8sServiceAccount', 'Get-K8sServiceAccount', 'Set-K8sServiceAccount', 'Remove-K8sServiceAccount',
        'Get-K8sSaToken', 'ConvertFrom-K8sSaToken', 'Test-K8sSaToken', 'New-K8sSaKubeconfig') {
        $help = Get-Help $_ -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.description | Should -Not -BeNullOrEmpty
        $help.examples.example | Should -Not -BeNullOrEmpty
    }

    # The description's text, not Out-String: the console width would wrap the phrases.
    It 'says that a SecureString is not encryption and that -AsPlainText makes the token readable' {
        $text = (Get-Help Get-K8sSaToken).description.Text -join ' '
        $text | Should -Match 'not encrypted in memory'
        $text | Should -Match 'anyone who sees the output can read'
    }

    It 'says that ConvertFrom-K8sSaToken does not verify signatures' {
        (Get-Help ConvertFrom-K8sSaToken).description.Text -join ' ' | Should -Match 'does NOT verify the signature'
    }
}

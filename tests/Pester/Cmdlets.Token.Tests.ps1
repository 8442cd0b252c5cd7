#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Get-K8sSaToken, ConvertFrom-K8sSaToken, Test-K8sSaToken and New-K8sSaKubeconfig as their help examples are typed,
    against this file's own local API server: tokens piped into the offline decoder and the server's review, and a
    kubeconfig written for a ServiceAccount then used by the module as that ServiceAccount.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:server = Start-TestSession -Directory $TestDrive -Namespace apps -CreateNamespace 'apps', 'ci'
    $null = 'app', 'deployer' | New-K8sServiceAccount
    $null = 'build-robot', 'deployer' | New-K8sServiceAccount -Namespace ci
    # A Pod running as app, for a token bound to it.
    $script:pod = New-TestServerObject -Server $server -Path /api/v1/namespaces/apps/pods -Object @{
        apiVersion = 'v1'; kind = 'Pod'; metadata = @{ name = 'web-0' }
        spec = @{ serviceAccountName = 'app'; containers = @(@{ name = 'web'; image = 'nginx' }) }
    }
}

AfterAll {
    Stop-TestSession -Server $script:server
}

Describe 'Get-K8sSaToken' {
    It 'requests a 2h token for build-robot in ci, shown without the token (help example 1)' {
        $token = Get-K8sSaToken -ServiceAccount build-robot -Namespace ci -Duration 2h
        $token.Namespace | Should -Be 'ci'
        $token.ServiceAccount | Should -Be 'build-robot'
        $token.GrantedDuration | Should -Be (New-TimeSpan -Hours 2)
        $token.Token | Should -BeOfType [securestring]
        $token | Format-Table | Out-String -Width 120 | Should -Match 'Namespace\s+ServiceAccount\s+ExpirationTimestamp'
        $token | Format-List * | Out-String | Should -Not -Match 'eyJ'
    }

    It 'puts a plain-text token for an audience into an environment variable (help example 2)' {
        try {
            $env:VAULT_JWT = Get-K8sSaToken app -Audience https://vault.example -AsPlainText
            $claims = $env:VAULT_JWT | ConvertFrom-K8sSaToken
            $claims.Audiences | Should -Be 'https://vault.example'
            $claims.Subject | Should -Be 'system:serviceaccount:apps:app'
        }
        finally { Remove-Item Env:VAULT_JWT -ErrorAction Ignore }
    }

    It 'binds a token to the Pod web-0 (help example 3)' {
        $token = Get-K8sSaToken app -BoundObjectKind Pod -BoundObjectName web-0
        $token.BoundObject | Should -Match 'web-0'
        $claims = $token | ConvertFrom-K8sSaToken
        $claims.BoundObject | Should -Match 'web-0'
        { Get-K8sSaToken app -BoundObjectKind Pod -BoundObjectName web-9 -ErrorAction Stop } |
            Should -Throw -ErrorId 'KubernetesNotFound,K8sServiceAccount.Commands.GetK8sSaTokenCommand'
    }

    It 'waits for a legacy Secret token (help example 4)' {
        $legacy = Get-K8sSaToken app -Legacy -Timeout 1m
        $legacy.IsLegacy | Should -BeTrue
        $legacy.SecretName | Should -BeLike 'app-token-*'
        $legacy.Token | Should -BeOfType [securestring]
    }

    It 'writes a 1h30m token as text (help example 5)' {
        $text = Get-K8sSaToken app -Duration 1h30m -AsPlainText
        $text | Should -BeOfType [string]
        $claims = $text | ConvertFrom-K8sSaToken
        ($claims.ExpiresAt - $claims.IssuedAt) | Should -Be (New-TimeSpan -Minutes 90)
    }

    It 'takes ServiceAccounts piped from Get-K8sServiceAccount' {
        $tokens = Get-K8sServiceAccount -Namespace ci | Where-Object Name -ne default | Get-K8sSaToken
        $tokens.ServiceAccount | Should -Be @('build-robot', 'deployer')
        $tokens.Namespace | Sort-Object -Unique | Should -Be 'ci'
    }

    It 'reports a ServiceAccount that does not exist' {
        { Get-K8sSaToken nosuch -ErrorAction Stop } |
            Should -Throw -ErrorId 'KubernetesNotFound,K8sServiceAccount.Commands.GetK8sSaTokenCommand'
    }
}

Describe 'ConvertFrom-K8sSaToken' {
    It 'decodes what Get-K8sSaToken pipes to it (help example 1)' {
        $claims = Get-K8sSaToken app | ConvertFrom-K8sSaToken
        $claims.Format | Should -Be 'Bound'
        $claims.Namespace | Should -Be 'apps'
        $claims.ServiceAccount | Should -Be 'app'
        $claims.ServiceAccountUid | Should -Be (Get-K8sServiceAccount app).Uid
        $claims.IsExpired | Should -BeFalse
        $claims.ExpiresAt | Should -BeOfType [datetime]
    }

    It 'decodes a token file read with Get-Content (help example 2, with the file in TestDrive)' {
        $file = Join-Path $TestDrive 'token'
        Get-K8sSaToken app -AsPlainText | Set-Content -LiteralPath $file -NoNewline
        $claims = Get-Content $file | ConvertFrom-K8sSaToken
        $claims.Subject | Should -Be 'system:serviceaccount:apps:app'
    }
}

Describe 'Test-K8sSaToken' {
    It 'reviews what Get-K8sSaToken pipes to it (help example 1)' {
        $review = Get-K8sSaToken app | Test-K8sSaToken
        $review.Authenticated | Should -BeTrue
        $review.User | Should -Be 'system:serviceaccount:apps:app'
        $review.Groups | Should -Contain 'system:serviceaccounts:apps'
    }

    It 'reviews a token for its audience, and refuses it for the API''s (help example 2)' {
        $jwt = Get-K8sSaToken app -Audience https://vault.example -AsPlainText
        $review = Test-K8sSaToken -Token $jwt -Audience https://vault.example
        $review.Authenticated | Should -BeTrue
        $review.Audiences | Should -Be 'https://vault.example'

        $refused = Test-K8sSaToken -Token $jwt
        $refused.Authenticated | Should -BeFalse
        $refused.Error | Should -Match 'audience'
        $refused | Format-List * | Out-String | Should -Not -Match 'eyJ'
    }
}

Describe 'New-K8sSaKubeconfig' {
    BeforeAll { Push-Location -LiteralPath $TestDrive }
    AfterAll { Pop-Location }

    It 'writes ./deployer.kubeconfig, with which the module is the ServiceAccount (help example 1)' {
        $file = New-K8sSaKubeconfig -ServiceAccount deployer -Namespace ci -Duration 8h -Path ./deployer.kubeconfig
        $file.Path | Should -Be (Join-Path $TestDrive 'deployer.kubeconfig')
        $file | Format-List * | Out-String | Should -Not -Match 'eyJ'

        $identity = Get-K8sIdentity -Kubeconfig ./deployer.kubeconfig
        $identity.User | Should -Be 'system:serviceaccount:ci:deployer'
        $identity.Groups | Should -Contain 'system:serviceaccounts:ci'
        (Get-K8sConnection -Kubeconfig ./deployer.kubeconfig).Namespace | Should -Be 'ci'
        # A fresh ServiceAccount may not read other ServiceAccounts: a denial as an error, not an empty list.
        { Get-K8sServiceAccount -Kubeconfig ./deployer.kubeconfig -ErrorAction Stop } |
            Should -Throw -ErrorId 'KubernetesForbidden,K8sServiceAccount.Commands.GetK8sServiceAccountCommand'
    }

    It 'writes the kubeconfig to the pipeline for Set-Content (help example 2)' {
        $saved = $env:RUNNER_TEMP
        try {
            $env:RUNNER_TEMP = $TestDrive
            New-K8sSaKubeconfig deployer -AsPlainText | Set-Content -Path $env:RUNNER_TEMP/kubeconfig
            (Get-K8sIdentity -Kubeconfig "$env:RUNNER_TEMP/kubeconfig").User | Should -Be 'system:serviceaccount:apps:deployer'
        }
        finally { $env:RUNNER_TEMP = $saved }
    }

    It 'writes no file with -WhatIf' {
        New-K8sSaKubeconfig deployer -Path ./whatif.kubeconfig -WhatIf | Should -BeNullOrEmpty
        Test-Path -LiteralPath (Join-Path $TestDrive 'whatif.kubeconfig') | Should -BeFalse
    }
}

#Requires -Modules Pester
# Issue 11, TLS: the refusal matrix through the staged module. Each case serves its own certificate on a small TLS server
# (tests/Pester/TlsProbe.ps1) and runs Get-K8sServiceAccount with a kubeconfig carrying a bearer token. A refusal must be
# a typed error naming the reason in kubectl's words, and nothing may reach the server's HTTP layer (so no credential
# was sent). RELIABILITY.md ("TLS") has the table with kubectl 1.33's message for each case.

BeforeDiscovery {
    # Names only: the certificates are made in BeforeAll.
    $script:caseNames = @(
        'the cluster CA (control)', 'a self-signed certificate given as the CA (control)', 'wrong CA', 'wrong host name',
        'tls-server-name mismatch', 'expired certificate', 'not-yet-valid certificate', 'self-signed without a CA',
        'CA together with insecure-skip-tls-verify', 'TLS 1.0/1.1 only'
    ) | ForEach-Object { @{ Name = $_ } }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    . (Join-Path $PSScriptRoot 'TlsProbe.ps1')
    Import-Module (Get-StagedModulePath) -Force -ErrorAction Stop
    $script:cases = @{}
    foreach ($case in New-TlsRefusalCase) { $script:cases[$case.Name] = $case }
    $script:token = 'tls-probe-secret-token-0123456789'
}

AfterAll {
    Remove-Module K8sServiceAccount -ErrorAction Ignore
}

Describe 'TLS refusal matrix' {
    It '<Name>' -ForEach $caseNames {
        $case = $cases[$Name]
        $case | Should -Not -BeNullOrEmpty -Because 'New-TlsRefusalCase defines every case named here'
        $result = if ($case.Legacy) {
            Invoke-TlsLegacyCase -Case $case -Directory $TestDrive
        }
        else {
            Invoke-TlsRefusalCase -Case $case -Directory $TestDrive
        }

        if ($case.Legacy) {
            # The control: in this child's OpenSSL configuration a plain SslStream does negotiate TLS 1.0/1.1 with the server,
            # so a refusal below is the module's own doing, not the platform's.
            $result.PlatformNegotiated | Should -BeIn @('Tls', 'Tls11')
        }

        if ($case.Accepted) {
            $result.ErrorId | Should -BeNullOrEmpty
            $result.Accepted | Should -BeTrue
            $result.Requests | Should -Be 1
            $result.RequestsWithAuthorization | Should -Be 1
            return
        }

        $result.Accepted | Should -BeFalse
        $result.ErrorId | Should -Be $case.ErrorId
        $result.Category | Should -Be $case.Category
        $result.Message | Should -BeLike "*$($case.Reason)*"
        $result.Message | Should -Not -BeLike "*$token*"
        # Refused before any HTTP request: nothing reached the handler, so the bearer token was never sent.
        $result.Requests | Should -Be 0
        $result.RequestsWithAuthorization | Should -Be 0
    }
}

Describe 'insecure-skip-tls-verify warns once per connection, in one wording' {
    BeforeAll {
        $script:server = [K8sTlsProbe.Server]::new($cases['self-signed without a CA'].Certificate, 'None')
        $script:insecure = New-TlsProbeKubeconfig -Path (Join-Path $TestDrive 'insecure.kubeconfig') -Port $server.Port -InsecureSkipTlsVerify
    }

    AfterAll {
        Disconnect-K8sCluster -ErrorAction Ignore
        $server.Dispose()
    }

    It 'warns once for a session used by several commands, once more for a second Connect-K8sCluster, always in the same words' {
        $warnings = [System.Collections.Generic.List[string]]::new()
        foreach ($connect in 1..2) {
            Connect-K8sCluster -Kubeconfig $insecure -WarningVariable connecting -WarningAction SilentlyContinue
            $connecting | ForEach-Object { $warnings.Add("$_") }
            foreach ($command in 1..3) {
                $account = Get-K8sServiceAccount -Name probe -WarningVariable used -WarningAction SilentlyContinue
                $account.Name | Should -Be 'probe'
                $used | ForEach-Object { $warnings.Add("$_") }
            }
        }

        $warnings.Count | Should -Be 2
        @($warnings | Select-Object -Unique).Count | Should -Be 1
        $warnings[0] | Should -BeLike '*insecure-skip-tls-verify is set for cluster "probe"*'
        $warnings[0] | Should -Not -BeLike "*$token*"
        # The requests did go out (6 commands), each with the token, over connections the session reused.
        $server.Requests | Should -Be 6
    }

    It 'warns once per command that makes its own connection (-Kubeconfig), in the same words as a session' {
        Connect-K8sCluster -Kubeconfig $insecure -WarningVariable sessionWarning -WarningAction SilentlyContinue
        $null = Get-K8sServiceAccount -Name probe -Kubeconfig $insecure -WarningVariable perCall -WarningAction SilentlyContinue
        @($perCall).Count | Should -Be 1
        "$perCall" | Should -Be "$sessionWarning"
    }
}

#Requires -Modules Pester
# Issue 11, "Token rotation": a ServiceAccount token file replaced while 8 workers call the server. The file is laid out as
# the kubelet writes a projected token (token -> ..data/token, ..data -> a timestamped directory, replaced by renaming a new
# ..data link over the old one), and the kubeconfig names it as tokenFile (the in-cluster token uses the same
# authenticator, TokenFileAuthenticator, but its path is fixed under /var/run/secrets). Tokens are TokenRequest tokens bound
# to a Secret each, so deleting the Secret revokes the old token on the server at once, as a real API server does.
# The 8 workers are one Test-K8sPermission batch with -ThrottleLimit 8 on one session (what a runbook checking many
# permissions runs). RELIABILITY.md ("Token rotation") has the figures this file prints.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:server = Start-TestSession -Directory $TestDrive
    $null = New-TestServerObject -Server $server -Path /api/v1/namespaces/default/serviceaccounts -Object @{ apiVersion = 'v1'; kind = 'ServiceAccount'; metadata = @{ name = 'rotor' } }

    function script:New-BoundToken {
        # A TokenRequest token for default/rotor bound to a new Secret (deleting the Secret revokes the token).
        param([Parameter(Mandatory)] [string] $SecretName)
        $secret = New-TestServerObject -Server $server -Path /api/v1/namespaces/default/secrets -Object @{ apiVersion = 'v1'; kind = 'Secret'; type = 'Opaque'; metadata = @{ name = $SecretName } }
        $request = @{ apiVersion = 'authentication.k8s.io/v1'; kind = 'TokenRequest'
            spec = @{ expirationSeconds = 3600; boundObjectRef = @{ apiVersion = 'v1'; kind = 'Secret'; name = $SecretName; uid = $secret.metadata.uid } } }
        (New-TestServerObject -Server $server -Path /api/v1/namespaces/default/serviceaccounts/rotor/token -Object $request).status.token
    }

    function script:Publish-TokenFile {
        # As the kubelet's atomic writer: a new timestamped directory, a ..data_tmp link to it renamed over ..data.
        # -Content $null publishes a directory without the token (token then dangles: the file cannot be read).
        param([Parameter(Mandatory)] [string] $Directory, [object] $Content, [object] $AsDirectory)
        $version = '..' + [DateTime]::UtcNow.ToString('yyyy_MM_dd_HH_mm_ss.fffffff')
        $null = New-Item -ItemType Directory -Path (Join-Path $Directory $version)
        if ($null -ne $Content) { [System.IO.File]::WriteAllText((Join-Path $Directory "$version/token"), $Content) }
        if ($AsDirectory) { $null = New-Item -ItemType Directory -Path (Join-Path $Directory "$version/token") }
        $temporary = Join-Path $Directory '..data_tmp'
        [System.IO.File]::CreateSymbolicLink($temporary, $version) | Out-Null
        # rename(2) of the link over the old one (File.Move refuses a link to a directory).
        & mv -T -f $temporary (Join-Path $Directory '..data')
        if ($LASTEXITCODE -ne 0) { throw "mv failed ($LASTEXITCODE)" }
        $link = Join-Path $Directory 'token'
        if ($null -eq [System.IO.FileInfo]::new($link).LinkTarget) {
            [System.IO.File]::CreateSymbolicLink($link, '..data/token') | Out-Null
        }
    }

    function script:Invoke-Workers {
        # One Test-K8sPermission batch of 8 concurrent checks on the session for -Seconds, fed as fast as it takes rows;
        # -During runs in a thread job alongside (the rotation). Each output, error, warning and 401 retry (debug line) is
        # stamped with the time it came out.
        param([double] $Seconds, [scriptblock] $During, [object[]] $ArgumentList = @())
        $job = if ($During) { Start-ThreadJob -ScriptBlock $During -ArgumentList $ArgumentList }
        $end = [DateTime]::UtcNow.AddSeconds($Seconds)
        $stamped = & {
            $DebugPreference = 'Continue'
            $rows = { while ([DateTime]::UtcNow -lt $end) { [pscustomobject]@{ Verb = 'get'; Resource = 'pods' } } }
            & $rows | Test-K8sPermission -ThrottleLimit 8 *>&1 | ForEach-Object { [pscustomobject]@{ At = [DateTime]::UtcNow; Item = $_ } }
        }
        $jobResult = if ($job) { $job | Wait-Job | Receive-Job -ErrorAction Stop; $job | Remove-Job }
        [pscustomobject]@{
            Results  = @($stamped | Where-Object { $_.Item.GetType().Name -eq 'K8sPermissionCheckResult' })
            Errors   = @($stamped | Where-Object { $_.Item -is [System.Management.Automation.ErrorRecord] })
            Warnings = @($stamped | Where-Object { $_.Item -is [System.Management.Automation.WarningRecord] })
            Retries  = @($stamped | Where-Object { $_.Item -is [System.Management.Automation.DebugRecord] -and "$($_.Item)" -like '*401 Unauthorized*sending again with fresh credentials*' })
            Job      = $jobResult
        }
    }

    $script:tokenDirectory = Join-Path $TestDrive 'serviceaccount'
    $null = New-Item -ItemType Directory -Path $tokenDirectory
    Publish-TokenFile -Directory $tokenDirectory -Content (New-BoundToken -SecretName 'rotor-token-1')
    $admin = Get-Content -Raw -LiteralPath $server.Kubeconfig
    $ca = [regex]::Match($admin, 'certificate-authority-data:\s*(\S+)').Groups[1].Value
    $script:rotorKubeconfig = Join-Path $TestDrive 'rotor.kubeconfig'
    @"
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster: {server: '$($server.Url)', certificate-authority-data: $ca}
users:
- name: rotor
  user: {tokenFile: '$tokenDirectory/token'}
contexts:
- name: rotor
  context: {cluster: local, user: rotor, namespace: default}
current-context: rotor
"@ | Set-Content -LiteralPath $rotorKubeconfig -Encoding utf8NoBOM
    Connect-K8sCluster -Kubeconfig $rotorKubeconfig
}

AfterAll {
    Stop-TestSession -Server $server
}

Describe 'In-cluster token rotation under load' {
    It 'uses the token file (the identity is the ServiceAccount)' {
        (Get-K8sIdentity).User | Should -Be 'system:serviceaccount:default:rotor'
    }

    It 'has no 401 after the new file is visible, while 8 workers call the server and the old token is revoked' {
        $newToken = New-BoundToken -SecretName 'rotor-token-2'
        $rotate = {
            param($Directory, $Token, $Url, $Certificate, $PublishText)
            Start-Sleep -Seconds 3
            ${function:Publish-TokenFile} = $PublishText
            Publish-TokenFile -Directory $Directory -Content $Token
            $visible = [DateTime]::UtcNow
            # Revoke the old token: delete the Secret it is bound to.
            $null = Invoke-RestMethod -Uri "$Url/api/v1/namespaces/default/secrets/rotor-token-1" -Method Delete -Certificate $Certificate -SkipCertificateCheck
            [pscustomobject]@{ Visible = $visible; Revoked = [DateTime]::UtcNow }
        }
        $run = Invoke-Workers -Seconds 10 -During $rotate -ArgumentList $tokenDirectory, $newToken, $server.Url, $server.AdminCertificate, ${function:Publish-TokenFile}.ToString()

        $visible = $run.Job.Visible
        $before = @($run.Results | Where-Object At -LT $visible).Count
        $after = @($run.Results | Where-Object At -GE $visible).Count
        $unauthorizedAfter = @($run.Errors | Where-Object { $_.At -ge $visible -and "$($_.Item.FullyQualifiedErrorId)" -like 'KubernetesUnauthorized*' })
        $firstRetry = $run.Retries | Sort-Object At | Select-Object -First 1
        $newTokenUsedMs = if ($firstRetry) { [math]::Round(($firstRetry.At - $visible).TotalMilliseconds) } else { 'never' }
        Write-Host (("    rotation: {0} checks ({1} before the new file was visible, {2} after), {3} errors, {4} 401s answered by a re-read and resend, " +
            "the old token's revocation answered {5} ms after the new file was visible, first resend with the new token seen {6} ms after it was visible") -f
            ($before + $after), $before, $after, $run.Errors.Count, $run.Retries.Count,
            [math]::Round(($run.Job.Revoked - $visible).TotalMilliseconds), $newTokenUsedMs)

        $unauthorizedAfter | Should -BeNullOrEmpty
        $run.Errors | ForEach-Object { "$($_.Item.FullyQualifiedErrorId): $($_.Item)" } | Should -BeNullOrEmpty
        $before | Should -BeGreaterThan 50
        $after | Should -BeGreaterThan 50
        # The rotation was exercised: the revoked token was refused at least once, and the new one then used.
        $run.Retries.Count | Should -BeGreaterThan 0
        $run.Retries.Count | Should -BeLessOrEqual 8
        (Get-K8sIdentity).User | Should -Be 'system:serviceaccount:default:rotor'
    }

    It 'keeps the last good token when the file becomes unreadable (<Kind>), warning once per re-read' -ForEach @(
        @{ Kind = 'missing'; Content = $null; AsDirectory = $null }
        @{ Kind = 'a directory'; Content = $null; AsDirectory = 'yes' }
    ) {
        Publish-TokenFile -Directory $tokenDirectory -Content $Content -AsDirectory $AsDirectory
        (Get-Content -Raw -LiteralPath (Join-Path $tokenDirectory 'token') -ErrorAction Ignore) | Should -BeNullOrEmpty
        # The file is read again a minute after the last read (client-go's period); wait that minute out.
        Start-Sleep -Seconds 61
        $run = Invoke-Workers -Seconds 3
        Write-Host ("    unreadable ({0}): {1} checks, {2} errors, {3} warnings" -f $Kind, $run.Results.Count, $run.Errors.Count, $run.Warnings.Count)

        $run.Errors | ForEach-Object { "$($_.Item.FullyQualifiedErrorId): $($_.Item)" } | Should -BeNullOrEmpty
        $run.Results.Count | Should -BeGreaterThan 50
        $run.Warnings.Count | Should -Be 1
        "$($run.Warnings[0].Item)" | Should -BeLike "Unable to rotate token: *$tokenDirectory/token*Using the token read earlier*"
        "$($run.Warnings[0].Item)" | Should -Not -BeLike '*eyJ*'
    }

    It 'uses a new token once the file is readable again and the kept one is revoked' {
        $third = New-BoundToken -SecretName 'rotor-token-3'
        Publish-TokenFile -Directory $tokenDirectory -Content $third
        $null = Invoke-TestServerRequest -Server $server -Method Delete -Path /api/v1/namespaces/default/secrets/rotor-token-2
        $run = Invoke-Workers -Seconds 2
        $run.Errors | ForEach-Object { "$($_.Item.FullyQualifiedErrorId): $($_.Item)" } | Should -BeNullOrEmpty
        $run.Retries.Count | Should -BeGreaterThan 0
        $run.Results.Count | Should -BeGreaterThan 20
    }
}

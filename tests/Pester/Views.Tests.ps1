#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    The format views (module/K8sServiceAccount.Format.ps1xml) as a user reads them: real objects from the cmdlets against
    the local API server, rendered with Out-String -Width 80 and -Width 120, compared line by line (trailing spaces
    trimmed) with the golden files in tests/Pester/Golden/NAME.WIDTH.txt. What changes from run to run is masked first,
    keeping its width: times (yyyy-MM-dd HH:mm:ssZ), ages (AGE), UIDs, token ids and the TestDrive folder (GUIDs), the
    server's port (NNNNN).

    To regenerate the golden files after a deliberate change of a view, run this file with K8SSA_UPDATE_GOLDEN=1:
        $env:K8SSA_UPDATE_GOLDEN = '1'
        dotnet pwsh -NoProfile -File tests/Pester/Invoke-PesterSuite.ps1 -Path tests/Pester/Views.Tests.ps1
        Remove-Item Env:K8SSA_UPDATE_GOLDEN
    then read every changed file at 80 columns (git diff tests/Pester/Golden) before committing it.
    The files were made on Linux, where TestDrive is /tmp/GUID: a temporary folder of another length wraps the list
    lines that show a path elsewhere.
#>

BeforeDiscovery {
    # One golden pair (80 and 120 columns) per case; the objects are made in BeforeAll.
    $script:cases = @(
        'K8sContextInfo', 'K8sConnectionInfo', 'K8sConnectionInfoTable',
        'K8sServiceAccountInfo', 'K8sServiceAccountInfo.AllNamespaces',
        'K8sSaTokenInfo', 'K8sLegacySaTokenInfo', 'K8sSaTokenClaims', 'K8sSaTokenReview', 'K8sSaTokenReview.Rejected', 'K8sSaKubeconfigFile',
        'K8sPermissionGrant', 'K8sPermissionGrant.ClusterWide',
        'K8sPermissionCheckResult', 'K8sPermissionRule', 'K8sPermissionHolder', 'K8sPermissionDifference', 'K8sRiskFinding',
        'K8sIdentity', 'K8sPolicyRule', 'K8sRoleInfo', 'K8sRoleBindingInfo', 'K8sRbacSnapshot', 'K8sWorkloadInfo'
    ) | ForEach-Object { @{ Case = $_ } }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-Module (Get-StagedModulePath) -Force -ErrorAction Stop
    $script:server = Start-LocalApiServer -Directory $TestDrive
    $script:kubeconfig = $server.Kubeconfig
    $script:golden = Join-Path $PSScriptRoot 'Golden'
    $script:update = $env:K8SSA_UPDATE_GOLDEN -eq '1'

    Connect-K8sCluster -Kubeconfig $kubeconfig -Namespace views
    New-TestNamespace -Server $server -Name views
    $null = 'web-1', 'web-2' | New-K8sServiceAccount
    $null = New-TestServerObject -Server $server -Path /api/v1/namespaces/views/pods -Object @{
        apiVersion = 'v1'; kind = 'Pod'; metadata = @{ name = 'web-0' }
        spec = @{ serviceAccountName = 'web-1'; containers = @(@{ name = 'web'; image = 'nginx' }) }
    }
    $grant = @{ ServiceAccount = 'views/web-1'; Verb = 'get', 'update'; Resource = 'deployments', 'deployments/scale'; ApiGroup = 'apps'; WarningAction = 'SilentlyContinue' }
    $script:granted = Grant-K8sPermission @grant
    $script:grantedClusterWide = Grant-K8sPermission -ServiceAccount views/web-2 -Verb get, list -Resource nodes -ClusterWide
    # A legacy token Secret of a fixed name (the controller fills it), last used on a fixed day.
    $null = New-TestServerObject -Server $server -Path /api/v1/namespaces/views/secrets -Object @{
        apiVersion = 'v1'; kind = 'Secret'; type = 'kubernetes.io/service-account-token'
        metadata = @{ name = 'web-2-token'; annotations = @{ 'kubernetes.io/service-account.name' = 'web-2' }; labels = @{ 'kubernetes.io/legacy-token-last-used' = '2026-01-31' } }
    }
    $script:token = Get-K8sSaToken -ServiceAccount views/web-1 -Duration 1h
    $script:boundToken = Get-K8sSaToken -ServiceAccount views/web-1 -Duration 1h -BoundObjectKind Pod -BoundObjectName web-0
    $script:saKubeconfig = New-K8sSaKubeconfig -ServiceAccount views/web-1 -Path (Join-Path $TestDrive 'web-1.kubeconfig') -Duration 1h

    # What each case renders; every object comes from a cmdlet.
    $script:render = @{
        'K8sContextInfo'                      = { Get-K8sContext -Kubeconfig $kubeconfig }
        'K8sConnectionInfo'                   = { Get-K8sConnection }
        'K8sConnectionInfoTable'              = { Get-K8sConnection | Format-Table }
        'K8sServiceAccountInfo'               = { Get-K8sServiceAccount }
        'K8sServiceAccountInfo.AllNamespaces' = { Get-K8sServiceAccount -AllNamespaces }
        'K8sSaTokenInfo'                      = { $token; $boundToken }
        'K8sLegacySaTokenInfo'                = { Get-K8sLegacySaToken }
        'K8sSaTokenClaims'                    = { $boundToken | ConvertFrom-K8sSaToken }
        'K8sSaTokenReview'                    = { $boundToken | Test-K8sSaToken }
        'K8sSaTokenReview.Rejected'           = { Test-K8sSaToken 'not-a-jwt' }
        'K8sSaKubeconfigFile'                 = { $saKubeconfig }
        'K8sPermissionGrant'                  = { $granted }
        'K8sPermissionGrant.ClusterWide'      = { $grantedClusterWide }
        'K8sPermissionCheckResult'            = {
            @(
                [pscustomobject]@{ ServiceAccount = 'views/web-1'; Verb = 'update'; Resource = 'deployments/scale'; ApiGroup = 'apps' }
                [pscustomobject]@{ ServiceAccount = 'views/web-1'; Verb = 'delete'; Resource = 'pods' }
                [pscustomobject]@{ ServiceAccount = 'views/web-2'; Verb = 'list'; Resource = 'nodes' }
            ) | Test-K8sPermission -ThrottleLimit 1 -WarningAction SilentlyContinue
        }
        'K8sPermissionRule'                   = { Get-K8sServiceAccount web-1, web-2 | Get-K8sPermission }
        'K8sPermissionHolder'                 = { Get-K8sPermissionSubject -Verb update -Resource deployments/scale -ApiGroup apps }
        'K8sRiskFinding'                      = { Get-K8sRiskyPermission -MinimumSeverity Critical }
        'K8sPermissionDifference'             = { Compare-K8sPermission -ReferenceServiceAccount views/web-1 -DifferenceServiceAccount views/web-2 }
        'K8sIdentity'                         = { Get-K8sIdentity -Kubeconfig $saKubeconfig.Path }
        'K8sPolicyRule'                       = { New-K8sPolicyRule -Verb get, list -Resource pods, deployments -ApiGroup '', apps; New-K8sPolicyRule -Verb get -NonResourceUrl /healthz, /livez }
        'K8sRoleInfo'                         = { Get-K8sRole; Get-K8sClusterRole -Name 'k8ssa-*' }
        'K8sRoleBindingInfo'                  = { Get-K8sRoleBinding; Get-K8sClusterRoleBinding -Name 'k8ssa-*' }
        'K8sRbacSnapshot'                     = { Get-K8sRbacSnapshot }
        'K8sWorkloadInfo'                     = { Get-K8sWorkload -Kind Pod }
    }

    function Hide-Pattern {
        # Replaces what matches Template (h: a hex digit, d: a digit, other characters themselves) with Mask, character
        # for character, also where a list view wrapped the value onto the next line: the line break and the indentation
        # after it are kept, so nothing moves.
        param([string] $Text, [string] $Template, [string] $Mask)
        $parts = foreach ($c in $Template.ToCharArray()) {
            switch -CaseSensitive ($c) { 'h' { '[0-9a-f]' } 'd' { '\d' } default { [regex]::Escape([string]$c) } }
        }
        $pattern = $parts -join '(?:\n +)?'
        [regex]::Replace($Text, $pattern, {
                param($match)
                $out = [System.Text.StringBuilder]::new()
                $i = 0
                $inBreak = $false
                foreach ($c in $match.Value.ToCharArray()) {
                    if ($c -eq "`n") { $inBreak = $true; $null = $out.Append($c); continue }
                    if ($inBreak -and $c -eq ' ') { $null = $out.Append($c); continue }
                    $inBreak = $false
                    $null = $out.Append($Mask[$i++])
                }
                $out.ToString()
            })
    }

    function ConvertTo-MaskedText {
        # The rendered text with what varies between runs replaced by placeholders of the same width, so that columns
        # stay aligned; trailing spaces and blank lines at both ends removed.
        param([string] $Text)
        $Text = (($Text -replace '\r\n', "`n") -split "`n" | ForEach-Object TrimEnd) -join "`n"
        # UIDs, token ids and the TestDrive folder (/tmp/GUID).
        $Text = Hide-Pattern $Text 'hhhhhhhh-hhhh-hhhh-hhhh-hhhhhhhhhhhh' 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx'
        $Text = Hide-Pattern $Text 'dddd-dd-dd dd:dd:ddZ' 'yyyy-MM-dd HH:mm:ssZ'
        # The server's port (five digits: Linux's ephemeral ports).
        $Text = Hide-Pattern $Text '127.0.0.1:ddddd' '127.0.0.1:NNNNN'
        # Ages (45s, 2m30s, 3h...), right-aligned: the spaces before one and the age together take the column's width,
        # fixed for bindings; the ServiceAccount table sizes its Age column to the ages, 3 wide while they are under 100 s
        # (the objects here are seconds old).
        $Text = [regex]::Replace($Text, '(?m)( *)\b\d+[smhdy](?:\d+[smh])?(?= |$)', { param($m) (' ' * ($m.Length - 3)) + 'AGE' })
        $Text.Trim("`n")
    }

    function Get-ViewText {
        param([string] $Case, [int] $Width)
        ConvertTo-MaskedText ((& $render[$Case]) | Out-String -Width $Width)
    }
}

AfterAll {
    Disconnect-K8sCluster
    Stop-LocalApiServer -Server $script:server
    Remove-Module K8sServiceAccount -ErrorAction Ignore
}

Describe 'Every view at 80 and 120 columns matches its golden text' {
    It '<Case> at <Width> columns' -ForEach ($cases | ForEach-Object { @{ Case = $_.Case; Width = 80 }; @{ Case = $_.Case; Width = 120 } }) {
        $text = Get-ViewText -Case $Case -Width $Width
        $file = Join-Path $golden "$Case.$Width.txt"
        if ($update) { Set-Content -LiteralPath $file -Value $text -NoNewline -Encoding utf8NoBOM }
        $file | Should -Exist -Because 'K8SSA_UPDATE_GOLDEN=1 writes the golden files'
        $text | Should -BeExactly ((Get-Content -Raw -LiteralPath $file) -replace '\r\n', "`n")
        # No line is wider than the console, and no header is squeezed to a letter or two per line.
        $text -split "`n" | Where-Object Length -gt $Width | Should -BeNullOrEmpty
    }
}

Describe 'What a view shows is what a user filters on' {
    It 'labels every column and list item with the name of a property of the type it shows' {
        $format = [xml](Get-Content -Raw -LiteralPath (Join-Path (Split-Path (Get-StagedModulePath)) 'K8sServiceAccount.Format.ps1xml'))
        $wrong = foreach ($view in $format.Configuration.ViewDefinitions.View) {
            $type = [type]$view.ViewSelectedBy.TypeName
            $labels = @($view.SelectNodes('.//TableColumnHeader/Label | .//ListItem/Label | .//ListItem/PropertyName | .//TableColumnItem/PropertyName | .//GroupBy/PropertyName').'#text')
            foreach ($label in $labels) {
                if (-not $type.GetProperty($label)) { "$($view.Name): $label" }
            }
        }
        $wrong | Should -BeNullOrEmpty
    }

    It 'writes no type name as a value (Extra of an identity and of a token review)' {
        $texts = @(
            $boundToken | Test-K8sSaToken | Out-String -Width 80
            $boundToken | Test-K8sSaToken | Format-List | Out-String -Width 80
            Get-K8sIdentity -Kubeconfig $saKubeconfig.Path | Out-String -Width 80
        )
        $texts | Should -Not -Match 'System\.'
        $texts[0] | Should -Match 'authentication\.kubernetes\.io/pod-name=web-0'
    }

    It 'shows an empty Scope for a cluster-wide rule, so Where-Object Scope -eq '''' finds what the table shows' {
        $rules = Get-K8sPermission -ServiceAccount views/web-2
        $clusterWide = $rules | Where-Object Scope -eq ''
        $clusterWide | Should -Not -BeNullOrEmpty
        ($rules | Out-String -Width 120) | Should -Not -Match '\(cluster\)'
    }

    It 'writes every time in UTC marked Z, and the values stay DateTime' {
        $token.ExpirationTimestamp | Should -BeOfType [datetime]
        $expected = $token.ExpirationTimestamp.ToUniversalTime().ToString('yyyy-MM-dd HH:mm:ss') + 'Z'
        ($token | Out-String -Width 80) | Should -Match ([regex]::Escape($expected))
        ($token | ConvertFrom-K8sSaToken | Out-String -Width 80) | Should -Match "ExpiresAt\s+: $([regex]::Escape($expected))"
        ($saKubeconfig | Out-String -Width 80) | Should -Match "ExpirationTimestamp : $([regex]::Escape($expected.Substring(0, 16)))"
    }

    It 'shows ages as kubectl does where kubectl shows ages' {
        [K8sServiceAccount.K8sDisplay]::Age([timespan]::FromSeconds(45)) | Should -Be '45s'
        [K8sServiceAccount.K8sDisplay]::Age([timespan]::FromSeconds(150)) | Should -Be '2m30s'
        [K8sServiceAccount.K8sDisplay]::Age([timespan]::FromMinutes(200)) | Should -Be '3h20m'
        [K8sServiceAccount.K8sDisplay]::Age([timespan]::FromHours(100)) | Should -Be '4d4h'
        [K8sServiceAccount.K8sDisplay]::Age([timespan]::FromDays(12)) | Should -Be '12d'
        (Get-K8sServiceAccount web-1).Age | Should -BeOfType [timespan]
    }

    It 'shows a whole age in every table with an Age column, the longest kubectl writes (7y364d) included' {
        # The legacy token table's Age was 4 wide, so 4m21s read as "…21s".
        $now = [DateTime]::UtcNow
        $tokens = foreach ($age in [timespan]::FromSeconds(261), [timespan]::FromDays(7 * 365 + 364)) {
            [K8sServiceAccount.K8sLegacySaTokenInfo]@{ Namespace = 'apps'; Name = 'web-token-x7k2p'; ServiceAccount = 'web'; CreationTimestamp = $now - $age }
        }
        $table = $tokens | Format-Table | Out-String -Width 80
        $table | Should -Match '\s4m2[12]s\s'
        $table | Should -Match '\s7y364d\s'
        ($table -split '\r?\n' | Measure-Object -Maximum Length).Maximum | Should -BeLessOrEqual 80
    }
}

Describe 'Messages are written once, one way' {
    It 'Test-K8sSaToken ''not-a-jwt'' says "invalid bearer token" once' {
        $review = Test-K8sSaToken 'not-a-jwt' -ErrorVariable problems
        $problems | Should -BeNullOrEmpty
        $review.Authenticated | Should -BeFalse
        $review.Error | Should -Be 'invalid bearer token'
    }

    It 'warns once, in one wording, about insecure-skip-tls-verify per connection' {
        # The admin kubeconfig without its CA and with insecure-skip-tls-verify (the client certificate still authenticates).
        $insecure = Join-Path $TestDrive 'insecure.kubeconfig'
        (Get-Content -LiteralPath $kubeconfig) -replace '^(\s*)certificate-authority-data: .*$', '$1insecure-skip-tls-verify: true' |
            Set-Content -LiteralPath $insecure
        $null = Get-K8sServiceAccount -Kubeconfig $insecure -Namespace views -WarningVariable perCall -WarningAction SilentlyContinue
        @($perCall).Count | Should -Be 1
        "$perCall" | Should -Match 'insecure-skip-tls-verify'

        # A session connection warns when it is made, not on every command that uses it.
        try {
            Connect-K8sCluster -Kubeconfig $insecure -Namespace views -WarningVariable connecting -WarningAction SilentlyContinue
            $null = Get-K8sServiceAccount -WarningVariable first -WarningAction SilentlyContinue
            $null = Get-K8sServiceAccount -WarningVariable second -WarningAction SilentlyContinue
            @($connecting).Count + @($first).Count + @($second).Count | Should -Be 1
        }
        finally { Connect-K8sCluster -Kubeconfig $kubeconfig -Namespace views }
    }

    It 'writes the subject of a binding as the module does (ServiceAccount NAMESPACE/NAME), not as the server''s reason text' {
        $rule = Get-K8sPermission -ServiceAccount views/web-1 | Where-Object BindingName -EQ 'k8ssa-grant:views:web-1'
        $rule.BindingSubject | Should -Be 'ServiceAccount views/web-1'
        (Test-K8sPermission -Verb update -Resource deployments/scale -ApiGroup apps -ServiceAccount views/web-1 -Explain).GrantedBy.BindingSubject |
            Should -Be 'ServiceAccount views/web-1'
    }
}

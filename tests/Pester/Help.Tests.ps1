#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Issue 10, "Help and discoverability", through the staged module:
    - Get-Help of every cmdlet: a one-sentence synopsis, a description, every parameter described (with its real
      aliases), INPUTS, OUTPUTS, RELATED LINKS, at least two examples, one of them an unattended runbook; its syntax is
      Get-Command -Syntax; every example parses and names only parameters its cmdlets have.
    - Aliases users reach for (-A, -n, -l, -As, -AsGroup), working against the local API server.
    - Grant-K8sPermission ... | Revoke-K8sPermission -Force takes the grant back.
    - about_K8sServiceAccount has a table of every error id the source can emit, with its category.
#>

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-Module (Get-StagedModulePath) -Force -ErrorAction Stop
    $script:cmdletCases = @(Get-Command -Module K8sServiceAccount -CommandType Cmdlet | Sort-Object Name | ForEach-Object { @{ Name = $_.Name } })
    Remove-Module K8sServiceAccount -ErrorAction Ignore
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-Module (Get-StagedModulePath) -Force -ErrorAction Stop
    $script:common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
    $script:aboutPath = Join-Path (Split-Path (Get-StagedModulePath)) 'en-US/about_K8sServiceAccount.help.txt'

    # A syntax line with its named parameters sorted: PowerShell orders them by declaration, which help need not copy.
    function ConvertTo-SyntaxKey([string] $Line) {
        $tokens = [regex]::Matches($Line.Trim(), '\[?\[?-\w+\]?(?: <[^>]+>)?\]?|\[<CommonParameters>\]|^\S+').Value
        $name, $rest = $tokens
        $positional = @($rest | Where-Object { $_ -match '^\[?\[-|^\[-\w+\] ' -and $_ -match '-\w+\]' })
        $named = @($rest | Where-Object { $_ -notin $positional } | Sort-Object)
        (@($name) + $positional + $named) -join ' '
    }
}

AfterAll {
    Remove-Module K8sServiceAccount -ErrorAction Ignore
}

Describe 'Get-Help <Name>' -ForEach $cmdletCases {
    BeforeAll {
        $script:command = Get-Command $Name
        $script:help = Get-Help $Name -Full
        $script:parameters = $command.Parameters.Values | Where-Object Name -NotIn $common
    }

    It 'has a synopsis of one sentence' {
        $synopsis = $help.Synopsis.Trim()
        $synopsis | Should -Not -BeNullOrEmpty
        $synopsis | Should -Not -BeLike "$Name*" -Because 'a synopsis PowerShell made up from the syntax means the help is missing'
        $synopsis | Should -Match '^[A-Z][^\r\n]*\.$' -Because "a synopsis is one line ending with a period: $synopsis"
        $synopsis | Should -Not -MatchExactly '[.;:]\s+[A-Z(]' -Because "Get-Help $Name shows one sentence only: $synopsis"
        $synopsis.Length | Should -BeLessOrEqual 120 -Because "Get-Help *-K8s* lists synopses in one column: $synopsis"
    }

    It 'has a description, inputs, outputs and related links' {
        ($help.description.Text -join '').Trim() | Should -Not -BeNullOrEmpty
        @($help.inputTypes.inputType).Count | Should -BeGreaterThan 0
        ($help.inputTypes.inputType.type.name -join '') | Should -Not -BeNullOrEmpty
        @($help.returnValues.returnValue).Count | Should -BeGreaterThan 0
        ($help.returnValues.returnValue.type.name -join '') | Should -Not -BeNullOrEmpty
        @($help.relatedLinks.navigationLink | Where-Object linkText).Count | Should -BeGreaterThan 0
        $help.relatedLinks.navigationLink.linkText | Should -Contain 'about_K8sServiceAccount'
    }

    It 'describes every parameter, with its real aliases' {
        foreach ($parameter in $parameters) {
            $documented = Get-Help $Name -Parameter $parameter.Name -ErrorAction SilentlyContinue
            $documented | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) must be documented"
            ($documented.description.Text -join '').Trim() | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) needs a description"
            $expected = if ($parameter.Aliases.Count) { ($parameter.Aliases | Sort-Object) -join ', ' } else { 'None' }
            (($documented.aliases -split ',\s*' | Sort-Object) -join ', ') | Should -Be $expected -Because "the aliases help shows for -$($parameter.Name)"
        }
    }

    It 'has a syntax that is Get-Command -Syntax' {
        $real = (Get-Command $Name -Syntax) -split '\r?\n' | Where-Object { $_.Trim() } | ForEach-Object { ConvertTo-SyntaxKey $_ } | Sort-Object
        $shown = ($help.syntax | Out-String -Width 10000) -split '\r?\n' | Where-Object { $_.Trim() } | ForEach-Object { ConvertTo-SyntaxKey $_ } | Sort-Object
        ($shown -join "`n") | Should -Be ($real -join "`n")
    }

    It 'has at least two examples, one an unattended runbook' {
        $examples = @($help.examples.example)
        $examples.Count | Should -BeGreaterOrEqual 2
        $runbook = $examples | Where-Object { $_.code -match '-ErrorAction Stop' -and $_.code -match '\bcatch\b' }
        $runbook | Should -Not -BeNullOrEmpty -Because 'one example runs unattended: -ErrorAction Stop and a catch on error ids'
        if ($command.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $true).ConfirmImpact -eq 'High') {
            ($runbook.code -join "`n") | Should -Match '-Force\b' -Because 'a runbook cannot answer the confirmation prompt'
        }
    }

    It 'has examples that parse and use only parameters that exist' {
        foreach ($example in @($help.examples.example)) {
            $tokens = $errors = $null
            $ast = [System.Management.Automation.Language.Parser]::ParseInput($example.code, [ref] $tokens, [ref] $errors)
            $errors | Should -BeNullOrEmpty -Because "example: $($example.code)"
            foreach ($call in $ast.FindAll({ $args[0] -is [System.Management.Automation.Language.CommandAst] }, $true)) {
                $called = Get-Command -Module K8sServiceAccount -Name $call.GetCommandName() -ErrorAction Ignore
                if (-not $called) { continue }
                $names = $called.Parameters.Values | ForEach-Object { $_.Name; $_.Aliases }
                foreach ($used in $call.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] }) {
                    $names | Should -Contain $used.ParameterName -Because "$($called.Name) in an example of ${Name}: $($example.code)"
                }
            }
        }
    }
}

Describe 'Aliases users reach for' {
    BeforeAll {
        $script:server = Start-LocalApiServer -Directory $TestDrive
        Connect-K8sCluster -Kubeconfig $server.Kubeconfig -Namespace default
        New-K8sServiceAccount -Name alias-sa -Namespace kube-system -ErrorAction Stop | Out-Null
    }
    AfterAll {
        Disconnect-K8sCluster
        Stop-LocalApiServer -Server $script:server
    }

    It '-A is -AllNamespaces on every cmdlet that has it' {
        $with = Get-Command -Module K8sServiceAccount | Where-Object { $_.Parameters.ContainsKey('AllNamespaces') }
        $with.Count | Should -BeGreaterOrEqual 5
        $with | ForEach-Object { $_.Parameters['AllNamespaces'].Aliases | Should -Contain 'A' -Because $_.Name }
        (Get-K8sServiceAccount -A).Namespace | Should -Contain 'kube-system'
        (Get-K8sServiceAccount -A).Namespace | Should -Contain 'default'
        (Get-K8sRoleBinding -A | Measure-Object).Count | Should -Be (Get-K8sRoleBinding -AllNamespaces | Measure-Object).Count
        (Test-K8sPermission get pods -A).Namespace | Should -Be ''
    }

    It '-n is -Namespace on every cmdlet that has it, as kubectl -n' {
        $with = Get-Command -Module K8sServiceAccount | Where-Object { $_.Parameters.ContainsKey('Namespace') }
        $with | ForEach-Object { $_.Parameters['Namespace'].Aliases | Should -Contain 'n' -Because $_.Name }
        (Get-K8sServiceAccount -n kube-system).Namespace | Sort-Object -Unique | Should -Be 'kube-system'
        (Get-K8sServiceAccount alias-sa -n kube-system).Name | Should -Be 'alias-sa'
        (Test-K8sPermission get pods -n kube-system).Namespace | Should -Be 'kube-system'
    }

    It '-l and -Selector are -LabelSelector, -As and -AsGroup are -User and -Group of a check' {
        Get-Command -Module K8sServiceAccount | Where-Object { $_.Parameters.ContainsKey('LabelSelector') } |
            ForEach-Object { $_.Parameters['LabelSelector'].Aliases | Should -Be @('l', 'Selector') -Because $_.Name }
        New-K8sServiceAccount -Name labelled-sa -Label @{ tier = 'alias' } | Out-Null
        (Get-K8sServiceAccount -l tier=alias).Name | Should -Be 'labelled-sa'
        (Get-K8sServiceAccount -Selector tier=alias).Name | Should -Be 'labelled-sa'
        $check = Test-K8sPermission get pods -As jane -AsGroup devs
        $check.Subject | Should -Be 'jane'
        $check.Allowed | Should -BeFalse
        foreach ($name in 'Test-K8sPermission', 'Get-K8sPermission') {
            (Get-Command $name).Parameters['User'].Aliases | Should -Be 'As'
            (Get-Command $name).Parameters['Group'].Aliases | Should -Be 'AsGroup'
        }
    }

    It 'no alias is a common parameter or its alias, and none is given twice on one cmdlet' {
        $reserved = foreach ($p in (Get-Command Get-K8sContext).Parameters.Values | Where-Object Name -In $common) { $p.Name; $p.Aliases }
        $reserved += 'WhatIf', 'wi', 'Confirm', 'cf'
        foreach ($c in Get-Command -Module K8sServiceAccount) {
            $own = $c.Parameters.Values | Where-Object Name -NotIn $common | ForEach-Object { $_.Name; $_.Aliases }
            $own | Group-Object | Where-Object Count -GT 1 | Should -BeNullOrEmpty -Because $c.Name
            $c.Parameters.Values | Where-Object Name -NotIn $common | ForEach-Object Aliases | Where-Object { $_ -in $reserved } | Should -BeNullOrEmpty -Because $c.Name
        }
    }
}

Describe 'Grant-K8sPermission output piped to Revoke-K8sPermission' {
    BeforeAll {
        $script:server = Start-LocalApiServer -Directory $TestDrive
        Connect-K8sCluster -Kubeconfig $server.Kubeconfig -Namespace default
        New-K8sServiceAccount -Name piped-sa -Namespace default -ErrorAction Stop | Out-Null
    }
    AfterAll {
        Disconnect-K8sCluster
        Stop-LocalApiServer -Server $script:server
    }

    It 'takes back a ServiceAccount''s grant: no Role or RoleBinding is left' {
        $grant = Grant-K8sPermission default/piped-sa -Verb get, list -Resource pods, deployments -ErrorAction Stop
        $grant.SubjectKind | Should -Be 'ServiceAccount'
        $grant.Rules.Count | Should -BeGreaterThan 0
        Get-K8sRole -Name $grant.Name | Should -Not -BeNullOrEmpty
        $revoked = $grant | Revoke-K8sPermission -Force -ErrorAction Stop
        $revoked.RoleAction | Should -Be 'Deleted'
        $revoked.BindingAction | Should -Be 'Deleted'
        Get-K8sRole | Where-Object Name -EQ $grant.Name | Should -BeNullOrEmpty
        Get-K8sRoleBinding | Where-Object Name -EQ $grant.Name | Should -BeNullOrEmpty
        (Test-K8sPermission get pods -ServiceAccount default/piped-sa).Allowed | Should -BeFalse
    }

    It 'takes back a repeated grant, a cluster-wide user grant and one grant per group' {
        Grant-K8sPermission default/piped-sa -Verb get -Resource secrets | Out-Null
        Grant-K8sPermission default/piped-sa -Verb get -Resource secrets | Revoke-K8sPermission -Force -ErrorAction Stop | Out-Null
        Get-K8sRole | Where-Object Name -Like 'k8ssa-grant:*' | Should -BeNullOrEmpty

        $user = Grant-K8sPermission -User jane -Verb list -Resource namespaces -ClusterWide -ErrorAction Stop
        $user.SubjectKind | Should -Be 'User'
        $user | Revoke-K8sPermission -Force -ErrorAction Stop | Out-Null
        Get-K8sClusterRole | Where-Object Name -EQ $user.Name | Should -BeNullOrEmpty
        Get-K8sClusterRoleBinding | Where-Object Name -EQ $user.Name | Should -BeNullOrEmpty

        $groups = Grant-K8sPermission -Group devs, ops -Verb get -Resource configmaps -ErrorAction Stop
        $groups.SubjectKind | Should -Be @('Group', 'Group')
        $groups.Subject | Should -Be @('devs', 'ops')
        $groups | Revoke-K8sPermission -Force -ErrorAction Stop | Out-Null
        Get-K8sRole | Where-Object Name -Like 'k8ssa-grant:*' | Should -BeNullOrEmpty
        Get-K8sRoleBinding | Where-Object Name -Like 'k8ssa-grant:*' | Should -BeNullOrEmpty
    }

    It 'takes back only what the grant holds, and -WhatIf changes nothing' {
        Grant-K8sPermission default/piped-sa -Verb get -Resource pods | Out-Null
        $second = Grant-K8sPermission default/piped-sa -Verb delete -Resource pods
        $second | Revoke-K8sPermission -Force -WhatIf | Out-Null
        (Test-K8sPermission delete pods -ServiceAccount default/piped-sa).Allowed | Should -BeTrue
        $second | Revoke-K8sPermission -Force | Out-Null
        (Test-K8sPermission delete pods -ServiceAccount default/piped-sa).Allowed | Should -BeFalse
        (Test-K8sPermission get pods -ServiceAccount default/piped-sa).Allowed | Should -BeTrue
        Revoke-K8sPermission default/piped-sa -Force | Out-Null
    }

    It 'has -Grant in a parameter set of its own' {
        { Revoke-K8sPermission -Grant ([K8sServiceAccount.K8sPermissionGrant]::new()) -ServiceAccount default/x -Force } |
            Should -Throw -ErrorId 'AmbiguousParameterSet,K8sServiceAccount.Commands.RevokeK8sPermissionCommand'
        $err = $null
        Revoke-K8sPermission -Grant ([K8sServiceAccount.K8sPermissionGrant]::new()) -Force -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidGrant,*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
    }
}

Describe 'about_K8sServiceAccount' {
    BeforeAll {
        $script:about = Get-Content -Raw -LiteralPath $aboutPath
        $repo = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../..'))
        $script:sources = Get-ChildItem (Join-Path $repo 'src') -Recurse -Filter *.cs |
            Where-Object { $_.FullName -notmatch '[\\/](obj|bin)[\\/]' } | ForEach-Object { Get-Content -Raw -LiteralPath $_.FullName }
    }

    It 'has a table row, id and category, for every error id the source emits' {
        $text = $sources -join "`n"
        $ids = [System.Collections.Generic.SortedSet[string]]::new()
        # new K8sClientException("Id", ...) (also over several lines), new ErrorRecord(exception, "Id", ErrorCategory.X, ...)
        [regex]::Matches($text, 'new \w*Exception\(\s*"([A-Z]\w+)"') | ForEach-Object { [void]$ids.Add($_.Groups[1].Value) }
        [regex]::Matches($text, '"([A-Z]\w+)",\s*(?:K8s)?ErrorCategory\.') | ForEach-Object { [void]$ids.Add($_.Groups[1].Value) }
        # Any literal Invalid... is an id (NameValidation passes them through a variable).
        [regex]::Matches($text, '(?<!cref=)"(Invalid[A-Z]\w+)"') | ForEach-Object { [void]$ids.Add($_.Groups[1].Value) }
        # ErrorMapping: exceptions that are not the client's (OperationCanceled, InvalidArgument, IOError...).
        [regex]::Matches($text, 'new\("([A-Z]\w+)", nameof\(K8sErrorCategory\.') | ForEach-Object { [void]$ids.Add($_.Groups[1].Value) }
        # Ids held in constants: ConnectionErrorIds (nameof), PermissionErrors, Confirmation.ErrorId and the like.
        [regex]::Matches($text, '(?s)static class (?:ConnectionErrorIds|PermissionErrors)\s*\{.*?\n\}') | ForEach-Object {
            [regex]::Matches($_.Value, 'const string (\w+) = (?:nameof\(\w+\)|"([A-Z]\w+)")') | ForEach-Object {
                [void]$ids.Add($(if ($_.Groups[2].Success) { $_.Groups[2].Value } else { $_.Groups[1].Value })) }
        }
        [regex]::Matches($text, 'const string \w*ErrorId\w*\s*=\s*"([A-Z]\w+)"') | ForEach-Object { [void]$ids.Add($_.Groups[1].Value) }
        # PermissionErrors.InvalidArgument("Parameter", ...), InvalidArgument(nameof(Parameter), ...) and the parameter
        # named to a validation (parameter: "Grant") are Invalid<Parameter>.
        [regex]::Matches($text, 'InvalidArgument\(\s*(?:"(\w+)"|nameof\((\w+)\))') | ForEach-Object { [void]$ids.Add('Invalid' + $_.Groups[1].Value + $_.Groups[2].Value) }
        [regex]::Matches($text, '\bparameter: "(\w+)"') | ForEach-Object { [void]$ids.Add('Invalid' + $_.Groups[1].Value) }
        # The API server's answers: Kubernetes<Reason>, the common ones by name.
        'KubernetesNotFound', 'KubernetesAlreadyExists', 'KubernetesForbidden', 'KubernetesUnauthorized', 'KubernetesInvalid', 'KubernetesConflict' |
            ForEach-Object { [void]$ids.Add($_) }
        $ids.Count | Should -BeGreaterThan 40
        $missing = $ids | Where-Object { $about -notmatch "(?m)^\s+$_\s{2,}\w+" }
        $missing | Should -BeNullOrEmpty -Because 'ERROR IDS in about_K8sServiceAccount lists each id at the start of a row, then its category'
        # Each row's category is a PowerShell ErrorCategory.
        foreach ($id in $ids) {
            $category = [regex]::Match($about, "(?m)^\s+$id\s{2,}(\w+)").Groups[1].Value
            [System.Enum]::GetNames([System.Management.Automation.ErrorCategory]) | Should -Contain $category -Because "the category of $id"
        }
    }
}

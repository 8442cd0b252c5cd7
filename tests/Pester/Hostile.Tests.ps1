#Requires -Version 7.4
# Hostile input (issue 11, defects 1-5): deeply nested YAML, devices, FIFOs, huge files, alias bombs, malformed values and
# aggregation chains. Every case runs in a CHILD pwsh, so a crash (stack overflow) or a hang fails the test instead of the
# suite; each case must end in a typed error (or an answer) within a time bound, with bounded memory. Inputs are generated
# here, never committed.

BeforeAll {
    # Invoke-HostileCases, Assert-TypedFailure and Assert-Fast, shared with the generated suite (Fuzz.Tests.ps1).
    . (Join-Path $PSScriptRoot 'HostileSuite.ps1')
    $script:ModulePath = Get-StagedModulePath
    $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) ("k8s-hostile-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $script:Work | Out-Null

    function script:New-HostileFile([string] $Name, [string] $Text) {
        $path = Join-Path $script:Work $Name
        [System.IO.File]::WriteAllText($path, $Text)
        $path
    }

    $script:Policy = '-User u -Verb get -Resource pods'
    $script:Kubeconfig = { param($Cluster, $User) "apiVersion: v1`nkind: Config`ncurrent-context: c`nclusters:`n- name: k`n  cluster:`n    server: https://127.0.0.1:1`n$Cluster`nusers:`n- name: u`n  user:`n$User`ncontexts:`n- name: c`n  context: {cluster: k, user: u}`n" }
}

AfterAll {
    Remove-Item -Recurse -Force -Path $script:Work -ErrorAction Ignore
}

Describe 'Defect 1: deeply nested documents never overflow the stack' {
    It 'refuses 45,000 levels of YAML in a kubeconfig, a YAML or JSON policy file, a token and a self-containing policy object' {
        $deep = ('[' * 45000) + (']' * 45000)
        $kube = New-HostileFile 'deep.kubeconfig' ("apiVersion: v1`nkind: Config`npreferences: " + $deep + "`n")
        $policy = New-HostileFile 'deep.yaml' ("apiVersion: rbac.authorization.k8s.io/v1`nkind: Role`nmetadata: {name: r}`nrules: " + $deep + "`n")
        $json = New-HostileFile 'deep.json' ('{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"r"},"rules":' + $deep + '}')
        $b64 = { param($t) [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($t)).TrimEnd('=').Replace('+', '-').Replace('/', '_') }
        $token = (& $b64 '{"alg":"RS256"}') + '.' + (& $b64 ('{"iss":"x","a":' + $deep + '}')) + '.sig'
        $cases = [ordered]@{
            kubeconfig = "Get-K8sContext -Kubeconfig '$kube'"
            yamlPolicy = "Test-K8sPermission -Policy '$policy' $script:Policy"
            jsonPolicy = "Test-K8sPermission -Policy '$json' $script:Policy"
            token      = "ConvertFrom-K8sSaToken -Token '$token'"
            selfObject = "`$h = @{ apiVersion = 'rbac.authorization.k8s.io/v1'; kind = 'Role' }; `$h.metadata = `$h; Test-K8sPermission -Policy `$h $script:Policy"
        }
        $results = Invoke-HostileCases $cases -WorkDirectory $script:Work
        Assert-TypedFailure ($results | Where-Object Name -EQ kubeconfig) 'KubeconfigInvalid' '*nested more than*'
        Assert-TypedFailure ($results | Where-Object Name -EQ yamlPolicy) 'RbacDocumentInvalid' '*nested more than*'
        Assert-TypedFailure ($results | Where-Object Name -EQ jsonPolicy) 'RbacDocumentInvalid'
        Assert-TypedFailure ($results | Where-Object Name -EQ token) 'TokenNotJwt'
        Assert-TypedFailure ($results | Where-Object Name -EQ selfObject) 'RbacDocumentInvalid' '*nested more than*'
    }
}

Describe 'Defect 2: files that are not regular files, or too large, are refused without blocking' -Skip:$IsWindows {
    BeforeAll {
        $script:Fifo = Join-Path $script:Work 'pipe'
        & mkfifo $script:Fifo
        $script:Dir = Join-Path $script:Work 'adir'
        New-Item -ItemType Directory -Path $script:Dir | Out-Null
        # A sparse 100 MB file: larger than any kubeconfig or policy file should be, cheap to make.
        $script:Huge = Join-Path $script:Work 'huge.yaml'
        $stream = [System.IO.File]::Create($script:Huge); $stream.SetLength(100MB); $stream.Dispose()
        $script:Small = New-HostileFile 'small.pem' 'not a certificate'
    }

    It 'refuses a kubeconfig that is <Name>' -ForEach @(
        @{ Name = 'a character device'; Path = '/dev/zero'; Like = '*not a regular file*' }
        @{ Name = 'a FIFO'; Path = 'FIFO'; Like = '*not a regular file*' }
        @{ Name = 'a directory'; Path = 'DIR'; Like = '*is a directory*' }
        @{ Name = 'larger than the cap'; Path = 'HUGE'; Like = '*larger than*MiB*' }
    ) {
        $file = switch ($Path) { 'FIFO' { $script:Fifo } 'DIR' { $script:Dir } 'HUGE' { $script:Huge } default { $Path } }
        $results = Invoke-HostileCases ([ordered]@{ case = "Get-K8sContext -Kubeconfig '$file'" }) -TimeoutSeconds 60
        Assert-TypedFailure $results[0] 'KubeconfigUnreadable' $Like
    }

    It 'refuses a <Field> that is <Name>' -ForEach @(
        foreach ($f in @(
                @{ Field = 'certificate-authority'; Cluster = $true }
                @{ Field = 'client-certificate'; Cluster = $false }
                @{ Field = 'client-key'; Cluster = $false }
                @{ Field = 'tokenFile'; Cluster = $false })) {
            foreach ($k in @(@{ Name = 'a character device'; Path = '/dev/zero'; Like = '*not a regular file*' }
                    @{ Name = 'a FIFO'; Path = 'FIFO'; Like = '*not a regular file*' }
                    @{ Name = 'a directory'; Path = 'DIR'; Like = '*is a directory*' }
                    @{ Name = 'larger than the cap'; Path = 'HUGE'; Like = '*larger than*MiB*' })) {
                $f + $k
            }
        }
    ) {
        $file = switch ($Path) { 'FIFO' { $script:Fifo } 'DIR' { $script:Dir } 'HUGE' { $script:Huge } default { $Path } }
        $line = "    ${Field}: '$file'"
        # The other half of a client certificate pair is an ordinary file, so the one under test is the one refused.
        $other = if ($Field -eq 'client-certificate') { "    client-key: '$script:Small'" } elseif ($Field -eq 'client-key') { "    client-certificate: '$script:Small'" } else { '' }
        $text = if ($Cluster) { & $script:Kubeconfig $line '    token: abc' } else { & $script:Kubeconfig '' ($line + "`n" + $other) }
        $kube = New-HostileFile "ref-$Field-$($Name -replace ' ', '-').kubeconfig" $text
        $results = Invoke-HostileCases ([ordered]@{ case = "Get-K8sServiceAccount -Kubeconfig '$kube' -Name x" }) -TimeoutSeconds 60
        Assert-TypedFailure $results[0] 'KubeconfigReferencedFileUnreadable' $Like -MaxMs 5000
    }

    It 'refuses a policy file that is <Name>' -ForEach @(
        @{ Name = 'a character device'; Path = '/dev/zero'; Like = '*not a regular file*' }
        @{ Name = 'a FIFO'; Path = 'FIFO'; Like = '*not a regular file*' }
        @{ Name = 'larger than the cap'; Path = 'HUGE'; Like = '*larger than*MiB*' }
    ) {
        $file = switch ($Path) { 'FIFO' { $script:Fifo } 'HUGE' { $script:Huge } default { $Path } }
        $results = Invoke-HostileCases ([ordered]@{ case = "Test-K8sPermission -Policy (Get-Item '$file') $script:Policy" }) -TimeoutSeconds 60
        Assert-TypedFailure $results[0] 'RbacPolicyUnreadable' $Like
    }
}

Describe 'Defect 3: alias bombs fail in milliseconds' {
    It 'refuses a billion-laughs <Where>' -ForEach @(
        @{ Where = 'kubeconfig exec extension'; Id = 'KubeconfigInvalid' }
        @{ Where = 'policy file'; Id = 'RbacDocumentInvalid' }
    ) {
        $lines = [System.Collections.Generic.List[string]]::new()
        $lines.Add('a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]')
        foreach ($i in 1..9) { $lines.Add("a${i}: &a$i [" + ((@("*a$($i - 1)") * 9) -join ',') + ']') }
        $bomb = ($lines | ForEach-Object { "        $_" }) -join "`n"
        if ($Where -like 'kube*') {
            $text = & $script:Kubeconfig ("    extensions:`n    - name: client.authentication.k8s.io/exec`n      extension:`n" + $bomb) '    token: abc'
            $file = New-HostileFile 'bomb.kubeconfig' $text
            $case = "Get-K8sServiceAccount -Kubeconfig '$file' -Name x"
        }
        else {
            $text = "apiVersion: rbac.authorization.k8s.io/v1`nkind: Role`nmetadata:`n  name: r`n  annotations:`n" + ($bomb -replace '(?m)^        ', '    ') + "`nrules: []`n"
            $file = New-HostileFile 'bomb.yaml' $text
            $case = "Test-K8sPermission -Policy '$file' $script:Policy"
        }
        $results = Invoke-HostileCases ([ordered]@{ case = $case })
        Assert-TypedFailure $results[0] $Id '*alias*' -MaxMs 1000 -MaxPeakMB 800
    }
}

Describe 'Defect 4: malformed values are typed errors naming file, document and field' {
    It 'reports <Name> as <Id>' -ForEach @(
        @{ Name = 'a kubeconfig with a bad surrogate pair in a second document'; Id = 'KubeconfigInvalid'; Kube = "apiVersion: v1`nkind: Config`n---`ncurrent-context: `"\udc00\ud800`"`n"; Like = '*surrogate*' }
        @{ Name = 'a kubeconfig with a broken flow mapping'; Id = 'KubeconfigInvalid'; Kube = "apiVersion: v1`nkind: Config`nclusters: [{name: a, cluster: {server: x}`n"; Like = '*line*' }
        @{ Name = 'a kubeconfig with a bad surrogate pair'; Id = 'KubeconfigInvalid'; Kube = "apiVersion: v1`nkind: Config`ncurrent-context: `"\ud800\ud800`"`n"; Like = '*surrogate*' }
        @{ Name = 'a token with CR/LF'; Id = 'KubeconfigInvalid'; Token = "`"abc\r\nX-Evil: 1`""; Like = '*users`[0`].user.token*' }
        @{ Name = 'a token with NUL'; Id = 'KubeconfigInvalid'; Token = '"abc\0def"'; Like = '*users`[0`].user.token*' }
        @{ Name = 'a tls-server-name with a space'; Id = 'KubeconfigInvalid'; Tls = 'a b'; Like = '*tls-server-name*' }
    ) {
        if ($Kube) { $file = New-HostileFile "bad-$($Name -replace '\W', '-').kubeconfig" $Kube; $case = "Get-K8sContext -Kubeconfig '$file'; Get-K8sServiceAccount -Kubeconfig '$file' -Name x" }
        else {
            $text = if ($Token) { & $script:Kubeconfig '' "    token: $Token" } else { & $script:Kubeconfig "    tls-server-name: '$Tls'" '    token: abc' }
            $file = New-HostileFile "bad-$($Name -replace '\W', '-').kubeconfig" $text
            $case = "Get-K8sServiceAccount -Kubeconfig '$file' -Name x"
        }
        $results = Invoke-HostileCases ([ordered]@{ case = $case })
        Assert-TypedFailure $results[0] $Id $Like -MaxMs 5000
    }

    It 'reports a policy with <Name> as RbacDocumentInvalid naming <Like>' -ForEach @(
        @{ Name = 'rules: [null]'; Ext = 'yaml'; Text = "apiVersion: rbac.authorization.k8s.io/v1`nkind: Role`nmetadata: {name: r}`nrules: [null]`n"; Like = '*rules`[0`]*' }
        @{ Name = 'subjects: [null]'; Ext = 'yaml'; Text = "apiVersion: rbac.authorization.k8s.io/v1`nkind: RoleBinding`nmetadata: {name: b}`nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}`nsubjects: [null]`n"; Like = '*subjects`[0`]*' }
        @{ Name = 'clusterRoleSelectors: [null]'; Ext = 'yaml'; Text = "apiVersion: rbac.authorization.k8s.io/v1`nkind: ClusterRole`nmetadata: {name: c}`naggregationRule: {clusterRoleSelectors: [null]}`n"; Like = '*clusterRoleSelectors`[0`]*' }
        @{ Name = 'a second document with rules: [null]'; Ext = 'yaml'; Text = "apiVersion: v1`nkind: ConfigMap`n---`napiVersion: rbac.authorization.k8s.io/v1`nkind: Role`nmetadata: {name: r}`nrules: [null]`n"; Like = '*document 2*rules`[0`]*' }
        @{ Name = 'a duplicate JSON key'; Ext = 'json'; Text = '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","kind":"Role","metadata":{"name":"r"}}'; Like = '*kind*' }
        @{ Name = 'a lone surrogate in JSON'; Ext = 'json'; Text = '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"\ud800"}}'; Like = '*surrogate*' }
        @{ Name = 'a bad surrogate pair in YAML'; Ext = 'yaml'; Text = "apiVersion: rbac.authorization.k8s.io/v1`nkind: Role`nmetadata: {name: `"\ud800\ud800`"}`n"; Like = '*surrogate*' }
    ) {
        $file = New-HostileFile "policy-$($Name -replace '\W', '-').$Ext" $Text
        $results = Invoke-HostileCases ([ordered]@{ case = "Test-K8sPermission -Policy '$file' $script:Policy" })
        Assert-TypedFailure $results[0] 'RbacDocumentInvalid' ("*$([System.IO.Path]::GetFileName($file))*" + $Like)
    }

    It 'ConvertFrom-K8sSaToken reports a bad piped token and goes on with the next' {
        $b64 = { param($t) [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($t)).TrimEnd('=').Replace('+', '-').Replace('/', '_') }
        $header = & $b64 '{"alg":"RS256"}'
        $bad = $header + '.' + (& $b64 '{"iss":"x","sub":"system:serviceaccount:ns:sa","exp":4102444800,"kubernetes.io":{"namespace":"\ud800","serviceaccount":{"name":"sa","uid":"u"}}}') + '.sig'
        $good = $header + '.' + (& $b64 '{"iss":"x","sub":"system:serviceaccount:ns:sa","exp":4102444800,"kubernetes.io":{"namespace":"ns","serviceaccount":{"name":"sa","uid":"u"}}}') + '.sig'
        $results = Invoke-HostileCases ([ordered]@{ case = "'$bad', '$good' | ConvertFrom-K8sSaToken -ErrorAction Continue | ForEach-Object ServiceAccount" })
        $results[0].Missing | Should -Not -BeTrue
        $results[0].Ok | Should -BeTrue -Because "$($results[0].Id): $($results[0].Message)"
        $results[0].Output[0] | Should -BeLike 'ERROR TokenNotJwt,*'
        $results[0].Output[1] | Should -Be 'sa'
    }
}

Describe 'Defect 5: aggregated ClusterRoles are near-linear' {
    It 'checks 500 ClusterRoles that aggregate each other (a chain, each also picked by one wide role) well under a second' {
        $sb = [System.Text.StringBuilder]::new()
        foreach ($i in 0..499) {
            [void]$sb.AppendLine("---`napiVersion: rbac.authorization.k8s.io/v1`nkind: ClusterRole`nmetadata:`n  name: r$i`n  labels: {chain: 'l$i', all: 'yes'}")
            [void]$sb.AppendLine("aggregationRule:`n  clusterRoleSelectors: [{matchLabels: {chain: 'l$($i + 1)'}}]")
            [void]$sb.AppendLine("rules: [{apiGroups: [''], resources: ['res$i'], verbs: [get]}]")
        }
        [void]$sb.AppendLine("---`napiVersion: rbac.authorization.k8s.io/v1`nkind: ClusterRole`nmetadata: {name: r500, labels: {chain: l500}}`nrules: [{apiGroups: [''], resources: [pods], verbs: [get]}]")
        [void]$sb.AppendLine("---`napiVersion: rbac.authorization.k8s.io/v1`nkind: ClusterRole`nmetadata: {name: wide}`naggregationRule: {clusterRoleSelectors: [{matchLabels: {all: 'yes'}}]}")
        [void]$sb.AppendLine("---`napiVersion: rbac.authorization.k8s.io/v1`nkind: ClusterRoleBinding`nmetadata: {name: b}`nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: r0}`nsubjects: [{kind: User, name: u, apiGroup: rbac.authorization.k8s.io}]")
        $file = New-HostileFile 'chain.yaml' $sb.ToString()
        $results = Invoke-HostileCases ([ordered]@{
                warm  = "Test-K8sPermission -Policy '$file' -User u -Verb get -Resource pods -Quiet"
                check = "Test-K8sPermission -Policy '$file' -User u -Verb get -Resource pods -Quiet"
            }) -TimeoutSeconds 120
        $check = $results | Where-Object Name -EQ check
        $check.Missing | Should -Not -BeTrue
        $check.Ok | Should -BeTrue -Because "$($check.Id): $($check.Message)"
        $check.Output | Should -Be 'True'
        Assert-Fast $check 1000
        $check.PeakMB | Should -BeLessThan 1024
    }
}

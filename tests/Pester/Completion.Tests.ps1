#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Tab completion through TabExpansion2, as a user at the prompt gets it, against the local API server: namespaces,
    ServiceAccounts (NAME and NAMESPACE/NAME), Roles, ClusterRoles, RoleBindings, ClusterRoleBindings, verbs, resource
    types and API groups, from the connection the command line would use (its -Kubeconfig, -Context, -Namespace or
    -Connection, else the session, else automatic). A slow or unreachable server holds the prompt for a bounded time, and
    a warm answer takes well under 200 ms (the medians are written to the host).
    Every object is created before the first Tab: completion caches each answer for 15 seconds.
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    Import-Module (Get-StagedModulePath) -Force -ErrorAction Stop
    $script:server = Start-LocalApiServer -Directory $TestDrive
    $script:kubeconfig = $server.Kubeconfig

    $text = Get-Content -Raw -LiteralPath $kubeconfig
    $script:serverUrl = $server.Url
    function Invoke-Admin([string] $Method, [string] $Path, [object] $Body) {
        Invoke-TestServerRequest -Server $server -Method $Method -Path $Path -Body $Body
    }

    # A copy of the admin kubeconfig whose server is 127.0.0.1:1, where nothing listens, and one with both contexts.
    $script:deadKubeconfig = Join-Path $TestDrive 'dead.kubeconfig'
    $text.Replace($serverUrl, 'https://127.0.0.1:1') | Set-Content -LiteralPath $deadKubeconfig

    foreach ($name in 'comp-a', 'comp-b') {
        New-TestNamespace -Server $server -Name $name
    }
    foreach ($sa in 'comp-a/builder', 'comp-a/bot-one', 'comp-b/bot-two') {
        $null = New-K8sServiceAccount -Kubeconfig $kubeconfig -Namespace ($sa -split '/')[0] -Name ($sa -split '/')[1]
    }
    # A Role whose name needs quoting at the prompt (RBAC names may hold spaces and quotes).
    foreach ($role in 'reader', 'writer', "it's mine") {
        $null = Invoke-Admin POST '/apis/rbac.authorization.k8s.io/v1/namespaces/comp-a/roles' @{
            apiVersion = 'rbac.authorization.k8s.io/v1'; kind = 'Role'; metadata = @{ name = $role }
            rules = @(@{ apiGroups = @(''); resources = @('pods'); verbs = @('get') })
        }
    }
    $null = New-K8sRoleBinding -Kubeconfig $kubeconfig -Namespace comp-a -Name reader-binding -Role reader -ServiceAccount comp-a:builder
    $null = New-K8sClusterRole -Kubeconfig $kubeconfig -Name comp-viewer -Rule (New-K8sPolicyRule -Verb get -Resource pods)
    $null = New-K8sClusterRoleBinding -Kubeconfig $kubeconfig -Name comp-viewer-binding -ClusterRole comp-viewer -ServiceAccount comp-b:bot-two

    # The completions of the whole line, the cursor at its end.
    function Complete([string] $Line) {
        @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches)
    }
    function CompletionText([string] $Line) { @(Complete $Line | ForEach-Object CompletionText) }

    # Milliseconds of one Tab on $Line.
    function Measure-Tab([string] $Line) {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $null = TabExpansion2 -inputScript $Line -cursorColumn $Line.Length
        $watch.Elapsed.TotalMilliseconds
    }

    $script:kc = "-Kubeconfig '$kubeconfig'"
}

AfterAll {
    Disconnect-K8sCluster -ErrorAction Ignore
    $null = Invoke-Admin PUT '/admin/faults' @{}
    Stop-LocalApiServer -Server $script:server
    Remove-Module K8sServiceAccount -ErrorAction Ignore
}

Describe 'Completion from the server of the command line' {
    It 'completes -Namespace with the server''s namespaces' {
        CompletionText "Get-K8sServiceAccount $kc -Namespace comp-" | Should -Be 'comp-a', 'comp-b'
        CompletionText "Get-K8sRole $kc -Namespace kube-s" | Should -Be 'kube-system'
    }

    It 'completes -ServiceAccount by NAME in the -Namespace of the command line' {
        CompletionText "Test-K8sPermission get pods $kc -Namespace comp-a -ServiceAccount b" | Should -Be 'bot-one', 'builder'
        CompletionText "Test-K8sPermission get pods $kc -Namespace comp-b -ServiceAccount b" | Should -Be 'bot-two'
        CompletionText "Grant-K8sPermission $kc -Namespace comp-b -ServiceAccount bot" | Should -Be 'bot-two'
    }

    It 'completes -ServiceAccount as NAMESPACE/NAME (and NAMESPACE:NAME) once a namespace is typed' {
        CompletionText "Get-K8sSaToken $kc -ServiceAccount comp-" | Should -Be 'comp-a/', 'comp-b/'
        CompletionText "Get-K8sSaToken $kc -ServiceAccount comp-a/b" | Should -Be 'comp-a/bot-one', 'comp-a/builder'
        CompletionText "New-K8sRoleBinding $kc -ServiceAccount comp-b:" | Should -Be 'comp-b:bot-two', 'comp-b:default'
        CompletionText "Compare-K8sPermission $kc comp-b/bot" | Should -Be 'comp-b/bot-two'
        CompletionText "New-K8sSaKubeconfig $kc -ServiceAccount comp-a/bui" | Should -Be 'comp-a/builder'
    }

    It 'completes -Name of <Command> with its objects' -ForEach @(
        @{ Command = 'Get-K8sServiceAccount'; Line = '-Namespace comp-a -Name b'; Expected = 'bot-one', 'builder' }
        @{ Command = 'Set-K8sServiceAccount'; Line = '-Namespace comp-b -Name b'; Expected = @('bot-two') }
        @{ Command = 'Remove-K8sServiceAccount'; Line = '-Namespace comp-a -Name bu'; Expected = @('builder') }
        @{ Command = 'Get-K8sRole'; Line = '-Namespace comp-a -Name '; Expected = "'it''s mine'", 'reader', 'writer' }
        @{ Command = 'Remove-K8sRole'; Line = '-Namespace comp-a -Name w'; Expected = @('writer') }
        @{ Command = 'Get-K8sRoleBinding'; Line = '-Namespace comp-a -Name r'; Expected = @('reader-binding') }
        @{ Command = 'Remove-K8sRoleBinding'; Line = '-Namespace comp-a -Name r'; Expected = @('reader-binding') }
        @{ Command = 'Get-K8sClusterRole'; Line = '-Name comp-'; Expected = 'comp-viewer' }
        @{ Command = 'Remove-K8sClusterRole'; Line = '-Name cluster-ad'; Expected = 'cluster-admin' }
        @{ Command = 'Get-K8sClusterRoleBinding'; Line = '-Name comp-'; Expected = 'comp-viewer-binding' }
        @{ Command = 'Remove-K8sClusterRoleBinding'; Line = '-Name comp-'; Expected = 'comp-viewer-binding' }
    ) {
        CompletionText "$Command $kc $Line" | Should -Be $Expected
    }

    It 'completes -Role and -ClusterRole of the binding cmdlets' {
        CompletionText "New-K8sRoleBinding $kc -Namespace comp-a -Name x -Role re" | Should -Be 'reader'
        CompletionText "New-K8sRoleBinding $kc -Namespace comp-a -Name x -ClusterRole comp" | Should -Be 'comp-viewer'
        CompletionText "New-K8sClusterRoleBinding $kc -Name x -ClusterRole system:basic" | Should -Be 'system:basic-user'
    }

    It 'matches the typed prefix literally and quotes what needs quotes' {
        CompletionText "Get-K8sRole $kc -Namespace comp-a -Name 'it" | Should -Be "'it''s mine'"
        CompletionText "Get-K8sRole $kc -Namespace comp-a -Name `"it" | Should -Be "'it''s mine'"
        CompletionText "Get-K8sRole $kc -Namespace comp-a -Name [" | Should -BeNullOrEmpty
        CompletionText "Get-K8sRole $kc -Namespace comp-a -Name r*" | Should -BeNullOrEmpty
        CompletionText "Get-K8sRole $kc -Namespace comp-a -Name READ" | Should -Be 'reader'
    }

    It 'completes -Verb with kubectl''s verbs (non-resource verbs with -NonResourceUrl)' {
        CompletionText "Test-K8sPermission $kc -Verb de" | Should -Be 'delete', 'deletecollection'
        CompletionText "Grant-K8sPermission $kc -ServiceAccount x -Verb get, li" | Should -Be 'list'
        CompletionText "New-K8sPolicyRule -Verb imp" | Should -Be 'impersonate'
        CompletionText "Revoke-K8sPermission $kc -ServiceAccount x -Verb esc" | Should -Be 'escalate'
        CompletionText "Test-K8sPermission $kc -NonResourceUrl /healthz -Verb p" | Should -Be 'patch', 'post', 'put'
        CompletionText "Test-K8sPermission $kc -Verb " | Should -Contain "'*'"
    }

    It 'completes -Resource from discovery, RESOURCE.GROUP after a dot, and in the -ApiGroup given' {
        CompletionText "Test-K8sPermission get $kc -Resource deploy" | Should -Be 'deployments'
        CompletionText "Test-K8sPermission get $kc -Resource deployments.a" | Should -Be 'deployments.apps'
        CompletionText "Grant-K8sPermission $kc -ServiceAccount x -Verb get -ApiGroup batch -Resource " | Should -Be 'cronjobs', 'jobs'
        CompletionText "New-K8sPolicyRule -Verb get -Resource serviceacc" | Should -Be 'serviceaccounts'
        (Complete "Test-K8sPermission get $kc -Resource pods")[0].ToolTip | Should -Be 'pods (core)'
        # The local API server does not serve apiservices (a built-in type of real clusters): discovery, not the built-in list.
        CompletionText "Test-K8sPermission get $kc -Resource apiserv" | Should -BeNullOrEmpty
        CompletionText "Test-K8sPermission get -Kubeconfig '$deadKubeconfig' -Resource apiserv" | Should -Be 'apiservices'
    }

    It 'completes -ApiGroup from discovery, core for the core group, narrowed by -Resource' {
        CompletionText "Test-K8sPermission get $kc -ApiGroup rbac" | Should -Be 'rbac.authorization.k8s.io'
        CompletionText "Test-K8sPermission get $kc -ApiGroup co" | Should -Contain 'core'
        CompletionText "Grant-K8sPermission $kc -ServiceAccount x -Verb get -Resource deployments -ApiGroup " | Should -Be 'apps'
        CompletionText "New-K8sPolicyRule -Verb get -Resource pods -ApiGroup " | Should -Be 'core'
    }
}

Describe 'Which connection completion uses' {
    AfterEach {
        Disconnect-K8sCluster -ErrorAction Ignore
        Remove-Item Env:KUBECONFIG -ErrorAction Ignore
    }

    It 'uses the session of Connect-K8sCluster, with its namespace' {
        Connect-K8sCluster -Kubeconfig $kubeconfig -Namespace comp-b
        CompletionText 'Get-K8sServiceAccount -Name b' | Should -Be 'bot-two'
        CompletionText 'Get-K8sServiceAccount -Namespace comp-a -Name b' | Should -Be 'bot-one', 'builder'
    }

    It 'uses the automatic connection (KUBECONFIG) without a session' {
        $env:KUBECONFIG = $kubeconfig
        CompletionText 'Get-K8sRole -Namespace comp-a -Name wr' | Should -Be 'writer'
    }

    It 'prefers -Kubeconfig and -Connection of the command line to the session' {
        Connect-K8sCluster -Kubeconfig $deadKubeconfig
        CompletionText "Get-K8sClusterRole -Name comp-" | Should -BeNullOrEmpty
        CompletionText "Get-K8sClusterRole $kc -Name comp-" | Should -Be 'comp-viewer'
        $script:live = Connect-K8sCluster -Kubeconfig $kubeconfig -Scope Runspace -PassThru
        Disconnect-K8sCluster -Scope Runspace
        CompletionText 'Get-K8sClusterRoleBinding -Connection $live -Name comp-' | Should -Be 'comp-viewer-binding'
    }

    It 'resolves a relative -Kubeconfig against the current location' {
        Push-Location $TestDrive
        try {
            CompletionText 'Get-K8sClusterRole -Kubeconfig ./admin.kubeconfig -Name comp-' | Should -Be 'comp-viewer'
        }
        finally {
            Pop-Location
        }
    }

    It 'never runs an exec credential plugin that no command has run' {
        $marker = Join-Path $TestDrive 'plugin-ran'
        $execKubeconfig = Join-Path $TestDrive 'exec.kubeconfig'
        @"
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: $serverUrl
    insecure-skip-tls-verify: true
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: sh
      args: ['-c', 'touch "$marker"; echo "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"t\"}}"']
      interactiveMode: Never
contexts:
- name: x
  context: { cluster: c, user: u }
current-context: x
"@ | Set-Content -LiteralPath $execKubeconfig
        CompletionText "Get-K8sServiceAccount -Kubeconfig '$execKubeconfig' -Name " | Should -BeNullOrEmpty
        $marker | Should -Not -Exist
    }
}

Describe 'A slow or unreachable server holds the prompt for a bounded time' {
    AfterEach {
        $null = Invoke-Admin PUT '/admin/faults' @{}
    }

    It 'answers offline at once when the server refuses the connection (127.0.0.1:1)' {
        $dead = "-Kubeconfig '$deadKubeconfig'"
        $first = Measure-Tab "Get-K8sServiceAccount $dead -Name "
        $first | Should -BeLessThan 2500
        CompletionText "Get-K8sServiceAccount $dead -Name " | Should -BeNullOrEmpty
        # Offline answers: the kubeconfig's namespaces and default, kubectl's verbs, the built-in resource types.
        CompletionText "Get-K8sServiceAccount $dead -Namespace " | Should -Be 'default'
        CompletionText "Test-K8sPermission $dead -Verb wa" | Should -Be 'watch'
        CompletionText "Test-K8sPermission get $dead -Resource deploy" | Should -Be 'deployments'
        CompletionText "Test-K8sPermission get $dead -ApiGroup rbac" | Should -Be 'rbac.authorization.k8s.io'
        CompletionText "Get-K8sSaToken $dead -ServiceAccount d" | Should -Be 'default/'
        # The failure is remembered: the next Tab does not try again.
        Measure-Tab "Get-K8sServiceAccount $dead -Name " | Should -BeLessThan 500
    }

    It 'gives up on a server that takes 5 s to answer, and does not wait again for the same request' {
        $null = Invoke-Admin PUT '/admin/faults' @{ latencyMilliseconds = 5000 }
        # A namespace not asked for before: nothing is cached.
        $null = Invoke-Admin POST '/api/v1/namespaces' @{ apiVersion = 'v1'; kind = 'Namespace'; metadata = @{ name = 'comp-slow' } }
        $line = "Get-K8sRole $kc -Namespace comp-slow -Name "
        $first = Measure-Tab $line
        Write-Host "Tab against a server with 5 s latency: $([int]$first) ms (cold)"
        $first | Should -BeLessThan 3000
        $first | Should -BeGreaterOrEqual 1000
        # The request still runs: a second Tab answers with what is known (nothing) at once.
        Measure-Tab $line | Should -BeLessThan 500
    }
}

Describe 'A warm answer takes less than 200 ms' {
    It 'answers <Parameter> in a median under 200 ms over 20 Tabs' -ForEach @(
        @{ Parameter = '-Namespace'; Line = 'Get-K8sServiceAccount {0} -Namespace comp-'; First = 'comp-a' }
        @{ Parameter = '-ServiceAccount'; Line = 'Test-K8sPermission get pods {0} -Namespace comp-a -ServiceAccount b'; First = 'bot-one' }
        @{ Parameter = '-ServiceAccount NAMESPACE/NAME'; Line = 'Get-K8sSaToken {0} -ServiceAccount comp-b/'; First = 'comp-b/bot-two' }
        @{ Parameter = '-Name (Role)'; Line = 'Get-K8sRole {0} -Namespace comp-a -Name r'; First = 'reader' }
        @{ Parameter = '-Name (ClusterRole)'; Line = 'Get-K8sClusterRole {0} -Name comp'; First = 'comp-viewer' }
        @{ Parameter = '-Role'; Line = 'New-K8sRoleBinding {0} -Namespace comp-a -Name x -Role w'; First = 'writer' }
        @{ Parameter = '-ClusterRole'; Line = 'New-K8sClusterRoleBinding {0} -Name x -ClusterRole cluster-a'; First = 'cluster-admin' }
        @{ Parameter = '-Verb'; Line = 'Test-K8sPermission {0} -Verb g'; First = 'get' }
        @{ Parameter = '-Resource'; Line = 'Test-K8sPermission get {0} -Resource '; First = 'clusterrolebindings' }
        @{ Parameter = '-ApiGroup'; Line = 'Test-K8sPermission get {0} -ApiGroup '; First = 'apps' }
    ) {
        $full = $Line -f $kc
        $null = Complete $full
        $times = foreach ($i in 1..20) { Measure-Tab $full }
        $median = ($times | Sort-Object)[10]
        Write-Host ("Warm Tab {0}: median {1:n1} ms, max {2:n1} ms" -f $Parameter, $median, ($times | Measure-Object -Maximum).Maximum)
        (Complete $full)[0].CompletionText | Should -Be $First
        $median | Should -BeLessThan 200
    }
}

<#
    Shared setup for the Pester files (dot-sourced in their BeforeAll), scripts/Demo.ps1 and build.ps1: how to start a
    child pwsh, where the staged module is, and the local API server (tests/K8sServiceAccount.LocalApiServer) started as a process of its own on a free
    port, so that the caller can always stop it. The server writes an admin kubeconfig (user admin, group
    system:masters) when it is ready.
    Not a test file: Pester runs only *.Tests.ps1.
#>

function Invoke-ChildPwsh {
    # Runs the pwsh that runs this script in a new process, with -NoProfile -NonInteractive and the given arguments:
    # an ordinary install runs as pwsh itself, while the .NET tool (dotnet pwsh, pinned in .config/dotnet-tools.json)
    # runs as dotnet with pwsh.dll, so the process path alone is not enough. $LASTEXITCODE is the child's.
    $process = [Environment]::ProcessPath
    [string[]] $prefix = if ([System.IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' } else { @() }
    if (-not $env:K8SSA_SECRETS_CAPTURE) {
        & $process @prefix -NoProfile -NonInteractive @args
        return
    }
    # In a secrets scan (scripts/Invoke-SecretsScan.ps1), the child's standard output and error are also appended to
    # the capture's children/ folder; both streams come out as before (error lines on the error stream).
    $log = Join-Path $env:K8SSA_SECRETS_CAPTURE "children/$PID.txt"
    $null = [System.IO.Directory]::CreateDirectory((Split-Path -LiteralPath $log))
    [System.IO.File]::AppendAllText($log, "=== child pwsh $($args -join ' ')`n")
    & $process @prefix -NoProfile -NonInteractive @args 2>&1 | ForEach-Object {
        [System.IO.File]::AppendAllText($log, "$_`n")
        if ($_ -is [System.Management.Automation.ErrorRecord]) { Write-Error -ErrorRecord $_ -ErrorAction Continue } else { $_ }
    }
}

function Get-StagedModulePath {
    # The module as the build stages it, never the source folder. In a secrets scan (scripts/Invoke-SecretsScan.ps1)
    # its capture copy, which records every object a cmdlet outputs (tests/Pester/SecretsCapture.psm1).
    if ($env:K8SSA_SECRETS_CAPTURE) {
        $capture = Join-Path $env:K8SSA_SECRETS_CAPTURE 'module/K8sServiceAccount/K8sServiceAccount.psd1'
        if (Test-Path -LiteralPath $capture) { return $capture }
    }
    [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../../out/K8sServiceAccount/K8sServiceAccount.psd1'))
}

function Find-LocalApiServerDll {
    # The newest built server dll (build.ps1 builds the solution first); built into $BuildDirectory if there is none.
    param([Parameter(Mandatory)] [string] $BuildDirectory)

    $project = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../K8sServiceAccount.LocalApiServer'))
    $built = Get-ChildItem -Path (Join-Path $project 'bin') -Recurse -Filter 'K8sServiceAccount.LocalApiServer.dll' -ErrorAction Ignore |
        Sort-Object LastWriteTime -Descending | Select-Object -First 1
    if ($built) { return $built.FullName }

    # Out-Host keeps the build's output out of this function's result.
    & dotnet build $project --nologo -v quiet -o $BuildDirectory | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "Building the local API server failed ($LASTEXITCODE)" }
    Join-Path $BuildDirectory 'K8sServiceAccount.LocalApiServer.dll'
}

function Start-LocalApiServer {
    <#
    .SYNOPSIS
        Starts the local API server on a free port and waits until its admin kubeconfig is complete.
    .OUTPUTS
        An object with Process, Kubeconfig (the admin kubeconfig's path), Directory, Url and AdminCertificate; stop it
        with Stop-LocalApiServer.
    #>
    param(
        # Where the kubeconfig and the server's output go (TestDrive in Pester).
        [Parameter(Mandatory)] [string] $Directory,
        # The server dll to run; by default the newest built one (see Find-LocalApiServerDll).
        [string] $ServerDll,
        # More server options, e.g. '--latency', '2' (see the server's --help).
        [string[]] $Argument = @()
    )

    if (-not $ServerDll) { $ServerDll = Find-LocalApiServerDll -BuildDirectory (Join-Path $Directory 'server') }
    $kubeconfig = Join-Path $Directory 'admin.kubeconfig'
    $outputLog = Join-Path $Directory 'server.out'
    $errorLog = Join-Path $Directory 'server.err'
    $arguments = @("`"$ServerDll`"", '--port', '0', '--kubeconfig', "`"$kubeconfig`"") + $Argument
    if ($env:K8SSA_SECRETS_CAPTURE) {
        # A secrets scan: the server records every token and client key it issues (the known secrets).
        $secretsLog = Join-Path $env:K8SSA_SECRETS_CAPTURE "secrets/$([guid]::NewGuid()).secrets.log"
        $null = [System.IO.Directory]::CreateDirectory((Split-Path -LiteralPath $secretsLog))
        $arguments += @('--secrets-log', "`"$secretsLog`"")
    }
    $process = Start-Process -FilePath 'dotnet' -ArgumentList $arguments -NoNewWindow -PassThru `
        -RedirectStandardOutput $outputLog -RedirectStandardError $errorLog
    $server = [pscustomobject]@{ Process = $process; Kubeconfig = $kubeconfig; Directory = $Directory }

    # The server prints "Kubeconfig: PATH" once it listens and has written and closed that file; the file itself may
    # be seen half-written before.
    $deadline = (Get-Date).AddSeconds(60)
    while (-not ((Test-Path -LiteralPath $outputLog) -and (Select-String -LiteralPath $outputLog -Pattern '^Kubeconfig: ' -Quiet))) {
        if ($process.HasExited) { throw "The local API server exited: $(Get-Content -Raw -LiteralPath $errorLog)" }
        if ((Get-Date) -gt $deadline) {
            Stop-LocalApiServer -Server $server
            throw "The local API server did not write $kubeconfig within 60 seconds."
        }
        Start-Sleep -Milliseconds 200
    }

    # Its URL and admin client certificate, read once from the kubeconfig it wrote, for Invoke-TestServerRequest.
    $text = Get-Content -Raw -LiteralPath $kubeconfig
    $field = { param($key) [regex]::Match($text, "(?m)^\s*$($key):\s*(\S+)").Groups[1].Value }
    $pem = { param($key) [System.Text.Encoding]::ASCII.GetString([Convert]::FromBase64String((& $field $key))) }
    $certificate = [System.Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem(
        (& $pem 'client-certificate-data'), (& $pem 'client-key-data'))
    # Re-imported from PKCS#12 so that TLS can use the key on every platform.
    $server | Add-Member -NotePropertyName Url -NotePropertyValue (& $field 'server')
    $server | Add-Member -NotePropertyName AdminCertificate -NotePropertyValue (
        [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($certificate.Export('Pkcs12')))
    $server
}

function Stop-LocalApiServer {
    # Accepts $null, so an AfterAll or finally block can call it whether or not the start succeeded.
    param([Parameter(Mandatory)] [AllowNull()] [object] $Server)

    if ($Server -and -not $Server.Process.HasExited) {
        Stop-Process -Id $Server.Process.Id
        $Server.Process.WaitForExit()
    }
}

function Invoke-TestServerRequest {
    <#
    .SYNOPSIS
        Sends one request to the local API server as its admin (client certificate) and returns the answer: for what
        the module has no cmdlet for, such as reading Secrets or setting faults (PUT /admin/faults).
    .EXAMPLE
        Invoke-TestServerRequest -Server $server -Method Put -Path /admin/faults -Body @{ latencyMilliseconds = 5000 }
    #>
    param(
        [Parameter(Mandatory)] [object] $Server,
        [Parameter(Mandatory)] [string] $Method,
        [Parameter(Mandatory)] [string] $Path,
        # Sent as JSON.
        [object] $Body
    )

    # The server is the one this process started on 127.0.0.1, with a CA of its own that Invoke-RestMethod cannot be
    # given; the module's calls in the tests do verify it.
    # Never verbose or debug: Invoke-RestMethod would print the answer (Secrets with their tokens) in a secrets scan,
    # which runs with both on; this test channel is not the module's output.
    $request = @{ Uri = "$($Server.Url)$Path"; Method = $Method; Certificate = $Server.AdminCertificate; SkipCertificateCheck = $true; Verbose = $false; Debug = $false }
    if ($null -ne $Body) { $request.Body = $Body | ConvertTo-Json -Depth 10 -Compress; $request.ContentType = 'application/json' }
    Invoke-RestMethod @request
}

function New-TestServerObject {
    <#
    .SYNOPSIS
        Creates an object the module has no cmdlet for (a Namespace of a test file's own, a Pod to bind a token to)
        on the local API server, as its admin; returns the created object.
    .EXAMPLE
        New-TestServerObject -Server $server -Path /api/v1/namespaces -Object @{ apiVersion = 'v1'; kind = 'Namespace'; metadata = @{ name = 'ns1' } }
    #>
    param(
        [Parameter(Mandatory)] [object] $Server,
        # The collection's path, e.g. /api/v1/namespaces/NS/pods.
        [Parameter(Mandatory)] [string] $Path,
        [Parameter(Mandatory)] [hashtable] $Object
    )

    Invoke-TestServerRequest -Server $Server -Method Post -Path $Path -Body $Object
}

function New-TestNamespace {
    <#
    .SYNOPSIS
        Creates a Namespace on the local API server, as its admin, and returns once the namespace controller has given
        it its default ServiceAccount (which a Pod without serviceAccountName, a list of ServiceAccounts or a golden
        table expects).
    #>
    param([Parameter(Mandatory)] [object] $Server, [Parameter(Mandatory)] [string] $Name)

    $null = New-TestServerObject -Server $Server -Path /api/v1/namespaces -Object @{ apiVersion = 'v1'; kind = 'Namespace'; metadata = @{ name = $Name } }
    Wait-Until {
        try { $null = Invoke-TestServerRequest -Server $Server -Method Get -Path "/api/v1/namespaces/$Name/serviceaccounts/default"; $true } catch { $false }
    }
}

function Wait-Until {
    <#
    .SYNOPSIS
        Polls -Condition every 50 ms until it is true, for at most -TimeoutSeconds: the local API server's controllers
        (ClusterRole aggregation, namespaces, token Secrets, workloads), like kube-controller-manager's, act after the
        request that caused the change has been answered.
    #>
    param([Parameter(Mandatory)] [scriptblock] $Condition, [int] $TimeoutSeconds = 10)

    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while (-not (& $Condition)) {
        if ([DateTime]::UtcNow -gt $deadline) { throw "Timed out after $TimeoutSeconds s waiting for: $Condition" }
        Start-Sleep -Milliseconds 50
    }
}

function Start-TestSession {
    <#
    .SYNOPSIS
        The usual BeforeAll of a Pester file: imports the staged module, starts a local API server in -Directory,
        creates -CreateNamespace on it and connects this process to it in -Namespace. Returns the server; end with
        Stop-TestSession in AfterAll.
    #>
    param(
        [Parameter(Mandatory)] [string] $Directory,
        [string] $Namespace = 'default',
        [string[]] $CreateNamespace = @()
    )

    Import-Module (Get-StagedModulePath) -Force -Global -ErrorAction Stop
    $server = Start-LocalApiServer -Directory $Directory
    foreach ($name in $CreateNamespace) {
        New-TestNamespace -Server $server -Name $name
    }
    Connect-K8sCluster -Kubeconfig $server.Kubeconfig -Namespace $Namespace
    $server
}

function Stop-TestSession {
    # The usual AfterAll: disconnects, stops the server (also when Start-TestSession failed half-way) and removes the module.
    param([Parameter(Mandatory)] [AllowNull()] [object] $Server)

    if (Get-Module K8sServiceAccount) { Disconnect-K8sCluster }
    Stop-LocalApiServer -Server $Server
    Remove-Module K8sServiceAccount -ErrorAction Ignore
}

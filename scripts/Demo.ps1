#Requires -Version 7.4
<#
.SYNOPSIS
    The no-cluster demo: the module's main story against the local API server.
.DESCRIPTION
    Starts the local API server (tests/K8sServiceAccount.LocalApiServer, from its built dll) on a free port with a
    temporary admin kubeconfig, imports the staged module, connects to it and then, for ServiceAccount sample-sa in
    namespace default: creates it, grants it get/update on deployments and deployments/scale (apps, extensions),
    checks a small batch of permissions and explains one, requests a 30-minute token and shows its claims (never the
    token), writes a kubeconfig for it and asks kubectl who that is, runs a Deployment as it (kubectl create deployment,
    Set-K8sWorkloadServiceAccount) and lists it with the user its Pod runs as (Get-K8sWorkload), and finally revokes,
    removes and stops the server, also when a step fails.
    Run it with ./build.ps1 -Task Demo, which builds first. tests/Pester/Demo.Tests.ps1 runs it in a child pwsh on
    every test run.
.PARAMETER Configuration
    The build whose staged module (out/K8sServiceAccount) and server dll are used.
#>
[CmdletBinding()]
param(
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)
$ErrorActionPreference = 'Stop'
$repo = Split-Path -Parent $PSScriptRoot
# Start-LocalApiServer, Stop-LocalApiServer and Get-StagedModulePath, shared with the Pester tests.
. (Join-Path $repo 'tests/Pester/TestServer.ps1')
$module = Get-StagedModulePath
$serverDll = Join-Path $repo "tests/K8sServiceAccount.LocalApiServer/bin/$Configuration/net10.0/K8sServiceAccount.LocalApiServer.dll"
foreach ($file in $module, $serverDll) {
    if (-not (Test-Path -LiteralPath $file)) { throw "$file is missing: run ./build.ps1 -Task Build -Configuration $Configuration first." }
}

$work = Join-Path ([IO.Path]::GetTempPath()) "k8ssa-demo-$([guid]::NewGuid().ToString('N'))"
New-Item -ItemType Directory -Path $work | Out-Null
$saKubeconfig = Join-Path $work 'sample-sa.kubeconfig'
$server = $null
# Grant-K8sPermission and Revoke-K8sPermission take the same arguments.
$grant = @{
    ServiceAccount = 'default/sample-sa'
    Verb           = 'get', 'update'
    Resource       = 'deployments', 'deployments/scale'
    ApiGroup       = 'apps', 'extensions'
}

function Write-Step([string] $Text) { Write-Host "`n== $Text" -ForegroundColor Cyan }

try {
    Write-Step 'Starting the local API server'
    $server = Start-LocalApiServer -Directory $work -ServerDll $serverDll

    Import-Module $module -Force
    Connect-K8sCluster -Kubeconfig $server.Kubeconfig -Namespace default
    Get-K8sConnection | Format-List

    Write-Step 'New-K8sServiceAccount sample-sa'
    New-K8sServiceAccount -Name sample-sa | Format-Table

    Write-Step 'Grant-K8sPermission: get/update on deployments and deployments/scale (apps, extensions)'
    Grant-K8sPermission @grant | Format-List

    Write-Step 'Test-K8sPermission: a batch piped as objects, for ServiceAccount default/sample-sa (results in input order)'
    $checks = @(
        [pscustomobject]@{ ServiceAccount = 'default/sample-sa'; Verb = 'get'; Resource = 'deployments'; ApiGroup = 'apps' }
        [pscustomobject]@{ ServiceAccount = 'default/sample-sa'; Verb = 'update'; Resource = 'deployments/scale'; ApiGroup = 'apps' }
        [pscustomobject]@{ ServiceAccount = 'default/sample-sa'; Verb = 'patch'; Resource = 'deployments/scale'; ApiGroup = 'apps' }
        [pscustomobject]@{ ServiceAccount = 'default/sample-sa'; Verb = 'delete'; Resource = 'deployments'; ApiGroup = 'apps' }
    )
    $checks | Test-K8sPermission | Format-Table Verb, ApiGroup, Resource, Subresource, Allowed, Method

    Write-Step 'Get-K8sServiceAccount | Test-K8sPermission: a piped ServiceAccount is the subject, in its own namespace'
    Get-K8sServiceAccount sample-sa | Test-K8sPermission update deployments/scale -ApiGroup apps |
        Format-Table Subject, Namespace, Verb, Resource, Subresource, Allowed

    Write-Step 'Test-K8sPermission -Explain: which binding, role and rule allow it'
    Test-K8sPermission -Verb update -Resource deployments/scale -ApiGroup apps -ServiceAccount default/sample-sa -Explain |
        Format-List Subject, Verb, Resource, Subresource, Allowed, Verdict, Explanation

    Write-Step 'Get-K8sSaToken for 30 minutes | ConvertFrom-K8sSaToken (its claims; the token itself is never shown)'
    Get-K8sSaToken -ServiceAccount sample-sa -Duration 30m | ConvertFrom-K8sSaToken |
        Format-List Subject, Namespace, ServiceAccount, Audiences, IssuedAt, ExpiresAt, IsExpired

    Write-Step 'New-K8sSaKubeconfig: a kubeconfig that authenticates as sample-sa'
    New-K8sSaKubeconfig -ServiceAccount sample-sa -Path $saKubeconfig | Format-List Path, ContextName, Server, ExpirationTimestamp
    if (Get-Command kubectl -CommandType Application -ErrorAction Ignore) {
        Write-Step 'kubectl auth whoami with that kubeconfig'
        & kubectl auth whoami --kubeconfig $saKubeconfig
        if ($LASTEXITCODE -ne 0) { throw "kubectl auth whoami failed with exit code $LASTEXITCODE" }
    }
    else {
        Write-Host 'kubectl is not on PATH: skipped kubectl auth whoami.'
    }

    # The article's last step: an application that runs as sample-sa.
    Write-Step 'A Deployment whose Pods run as sample-sa: Set-K8sWorkloadServiceAccount (as kubectl set serviceaccount)'
    if (Get-Command kubectl -CommandType Application -ErrorAction Ignore) {
        & kubectl create deployment sample-app --image=nginx --kubeconfig $server.Kubeconfig
        if ($LASTEXITCODE -ne 0) { throw "kubectl create deployment failed with exit code $LASTEXITCODE" }
    }
    else {
        # The module creates no Deployments: without kubectl, the server's admin creates it.
        $null = New-TestServerObject -Server $server -Path /apis/apps/v1/namespaces/default/deployments -Object @{
            apiVersion = 'apps/v1'; kind = 'Deployment'; metadata = @{ name = 'sample-app'; labels = @{ app = 'sample-app' } }
            spec = @{ selector = @{ matchLabels = @{ app = 'sample-app' } }
                template = @{ metadata = @{ labels = @{ app = 'sample-app' } }; spec = @{ containers = @(@{ name = 'nginx'; image = 'nginx' }) } } }
        }
    }
    Set-K8sWorkloadServiceAccount deployment/sample-app -ServiceAccount sample-sa -PassThru | Format-Table

    Write-Step 'Get-K8sWorkload -ServiceAccount sample-sa: the Deployment, its ReplicaSet and its Pod, and the user the Pod runs as'
    # The server's Deployment controller starts the Pod from the new template in a moment.
    $deadline = [DateTime]::UtcNow.AddSeconds(10)
    while (-not ($started = Get-K8sWorkload -Kind Pod -ServiceAccount sample-sa) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
    if (-not $started) { Write-Warning 'No Pod runs as sample-sa after 10 s: the table shows what there is so far.' }
    Get-K8sWorkload -ServiceAccount sample-sa | Format-Table Kind, Name, User -AutoSize
}
finally {
    Write-Step 'Cleaning up'
    if (Get-Module K8sServiceAccount) {
        Revoke-K8sPermission @grant -Force -ErrorAction Continue | Format-Table Name, RoleAction, BindingAction
        Remove-K8sServiceAccount -Name sample-sa -Force -PassThru -ErrorAction Continue | Format-Table Namespace, Name
        Disconnect-K8sCluster
    }
    Stop-LocalApiServer -Server $server
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction Ignore
    Write-Host 'The local API server is stopped and its temporary files removed.'
}

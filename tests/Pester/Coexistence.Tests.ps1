#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    The module in one session with other versions of its third-party assembly already loaded, as users meet it: a
    module that ships YamlDotNet 13 (as powershell-yaml and Az.Aks ship their own) and KubernetesClient 21.0.8 with
    its YamlDotNet 18, each loaded into the default load context before and after the module, in a child pwsh per
    case. Each time the module parses YAML (Get-K8sContext -Kubeconfig, Test-K8sPermission -Policy) and the other
    side does too (YamlDotNet's deserializer, KubernetesClient's kubeconfig loader), both before and after the other
    is loaded. The assemblies are the real ones, restored from NuGet and staged at out/coexistence/ by
    tests/K8sServiceAccount.Pester.Tests.
#>

BeforeDiscovery {
    $script:cases = foreach ($other in 'YamlDotNet 13', 'KubernetesClient 21.0.8') {
        foreach ($moduleFirst in $false, $true) {
            @{ Other = $other; ModuleFirst = $moduleFirst; Order = if ($moduleFirst) { 'module first' } else { "$other first" } }
        }
    }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:modulePath = Get-StagedModulePath
    $staged = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../../out/coexistence'))
    foreach ($file in 'YamlDotNet13/YamlDotNet.dll', 'KubernetesClient/KubernetesClient.dll', 'KubernetesClient/Fractions.dll', 'KubernetesClient/YamlDotNet.dll') {
        if (-not (Test-Path -LiteralPath (Join-Path $staged $file))) {
            throw "$file is not staged at $staged. Build the solution first (tests/K8sServiceAccount.Pester.Tests restores and stages it)."
        }
    }
    $script:kubernetesClient = Join-Path $staged 'KubernetesClient'

    # A module like powershell-yaml: its own YamlDotNet, loaded by its manifest into the default load context.
    $script:fixtureModule = Join-Path $TestDrive 'modules/YamlFixture'
    $null = New-Item -ItemType Directory -Path $fixtureModule
    Copy-Item -LiteralPath (Join-Path $staged 'YamlDotNet13/YamlDotNet.dll') -Destination $fixtureModule
    Set-Content -LiteralPath (Join-Path $fixtureModule 'YamlFixture.psm1') -Value @'
function ConvertFrom-FixtureYaml {
    param([Parameter(Mandatory)] [string] $Yaml)
    [YamlDotNet.Serialization.DeserializerBuilder]::new().Build().Deserialize($Yaml)
}
'@
    Set-Content -LiteralPath (Join-Path $fixtureModule 'YamlFixture.psd1') -Value @'
@{
    RootModule         = 'YamlFixture.psm1'
    ModuleVersion      = '1.0.0'
    GUID               = '0f4c7a52-3d0e-4a4b-9d2e-7c1b8f6a9e10'
    RequiredAssemblies = @('YamlDotNet.dll')
    FunctionsToExport  = @('ConvertFrom-FixtureYaml')
}
'@

    $script:kubeconfig = Join-Path $TestDrive 'config.yaml'
    Set-Content -LiteralPath $kubeconfig -Value @'
apiVersion: v1
kind: Config
current-context: alpha
clusters:
- name: alpha-cluster
  cluster:
    server: https://alpha.example:6443
contexts:
- name: alpha
  context:
    cluster: alpha-cluster
    user: alpha-user
    namespace: apps
- name: beta
  context:
    cluster: alpha-cluster
    user: alpha-user
users:
- name: alpha-user
  user:
    token: alpha-token-value
'@
    $script:policy = Join-Path $TestDrive 'rbac.yaml'
    Set-Content -LiteralPath $policy -Value @'
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: reader
  namespace: ci
rules:
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: reader
  namespace: ci
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: reader
subjects:
- kind: ServiceAccount
  name: deployer
  namespace: ci
'@

    # One case in a fresh pwsh: each side is used before and after the other is loaded. Writes one JSON line.
    $script:scenario = {
        param($Other, [bool] $ModuleFirst, $ModulePath, $FixtureModule, $KubernetesClient, $Kubeconfig, $Policy)
        $ErrorActionPreference = 'Stop'
        $log = [System.Collections.Generic.List[string]]::new()
        $useModule = {
            $contexts = (Get-K8sContext -Kubeconfig $Kubeconfig).Name -join ','
            $allowed = Test-K8sPermission -Verb get -Resource secrets -ServiceAccount ci/deployer -Namespace ci -Policy $Policy -Quiet
            $denied = Test-K8sPermission -Verb delete -Resource secrets -ServiceAccount ci/deployer -Namespace ci -Policy $Policy -Quiet
            $log.Add("module: $contexts get=$allowed delete=$denied")
        }
        $loadOther = {
            if ($Other -eq 'YamlDotNet 13') { Import-Module $FixtureModule }
            else {
                foreach ($dll in 'Fractions.dll', 'YamlDotNet.dll', 'KubernetesClient.dll') { Add-Type -LiteralPath (Join-Path $KubernetesClient $dll) }
            }
        }
        # The package version the type came from (assembly versions say 13.0.0.0 and 21.0.0.0).
        $packageVersion = { param($type) ($type.Assembly.GetCustomAttributes([System.Reflection.AssemblyInformationalVersionAttribute], $false).InformationalVersion -split '\+')[0] }
        $useOther = {
            if ($Other -eq 'YamlDotNet 13') {
                $parsed = ConvertFrom-FixtureYaml -Yaml "name: web`nreplicas: 3"
                $version = & $packageVersion ([YamlDotNet.Serialization.DeserializerBuilder])
                $log.Add("other: YamlDotNet $version name=$($parsed['name']) replicas=$($parsed['replicas'])")
            }
            else {
                $configuration = [k8s.KubernetesClientConfiguration]::BuildConfigFromConfigFile($Kubeconfig, 'beta')
                $account = [k8s.KubernetesYaml]::Deserialize[k8s.Models.V1ServiceAccount]("apiVersion: v1`nkind: ServiceAccount`nmetadata:`n  name: web`n  namespace: apps")
                $log.Add("other: KubernetesClient $(& $packageVersion ([k8s.Kubernetes])) host=$($configuration.Host) sa=$($account.Metadata.NamespaceProperty)/$($account.Metadata.Name)")
            }
        }

        try {
            if ($ModuleFirst) {
                Import-Module $ModulePath
                & $useModule
                & $loadOther
                & $useOther
                & $useModule
            }
            else {
                & $loadOther
                & $useOther
                Import-Module $ModulePath
                & $useModule
                & $useOther
            }
        }
        catch {
            $log.Add("error: $($_.FullyQualifiedErrorId): $_")
        }
        # Which YamlDotNet each load context holds.
        $yaml = foreach ($context in [System.Runtime.Loader.AssemblyLoadContext]::All) {
            foreach ($assembly in $context.Assemblies | Where-Object { $_.GetName().Name -eq 'YamlDotNet' }) {
                "$($context.Name)=$($assembly.GetName().Version)"
            }
        }
        [pscustomobject]@{ Log = @($log); YamlDotNet = @($yaml | Sort-Object) } | ConvertTo-Json -Compress
    }

    function Invoke-Scenario {
        param([string] $Other, [bool] $ModuleFirst)
        $output = Invoke-ChildPwsh -Command $scenario -args $Other, $ModuleFirst, $modulePath, $fixtureModule, $kubernetesClient, $kubeconfig, $policy 2>&1 | Out-String
        $result = try { ($output -split '\r?\n' | Where-Object { $_ -like '{*' } | Select-Object -Last 1) | ConvertFrom-Json } catch { $null }
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output; Log = @($result.Log); YamlDotNet = @($result.YamlDotNet) }
    }
}

Describe 'The module beside <Other> in one session (<Order>)' -ForEach $cases {
    BeforeAll {
        $script:run = Invoke-Scenario -Other $Other -ModuleFirst $ModuleFirst
        $script:moduleLine = 'module: alpha,beta get=True delete=False'
        $script:otherLine = if ($Other -eq 'YamlDotNet 13') { 'other: YamlDotNet 13.7.1 name=web replicas=3' }
        else { 'other: KubernetesClient 21.0.8 host=https://alpha.example:6443 sa=apps/web' }
    }

    It 'both work, each before and after the other is loaded' {
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $expected = if ($ModuleFirst) { $moduleLine, $otherLine, $moduleLine } else { $otherLine, $moduleLine, $otherLine }
        $run.Log | Should -Be $expected -Because $run.Output
    }

    It 'keeps the module''s YamlDotNet in its private load context and the other in the default one' {
        $otherVersion = if ($Other -eq 'YamlDotNet 13') { '13.0.0.0' } else { '18.0.0.0' }
        $run.YamlDotNet | Should -Be @("Default=$otherVersion", 'K8sServiceAccount.Dependencies=16.0.0.0') -Because $run.Output
    }
}

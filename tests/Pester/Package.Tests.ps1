#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    The Gallery package as a user meets it: `build.ps1 -Task Package -NoBuild` packs the staged module with
    PSResourceGet's Compress-PSResource; a child pwsh registers a file repository in TestDrive and installs the package
    from it with Install-PSResource; a second, fresh child finds the module by name on its module path (autoload, no
    Import-Module), runs a command on a kubeconfig fixture and reads Get-Help and the about topic.
    Both children run with HOME (and XDG_DATA_HOME) in TestDrive: on Linux and macOS PSResourceGet keeps its repository
    list there and installs CurrentUser modules to HOME/.local/share/powershell/Modules, which is the CurrentUser
    folder of the children's module path too; so the user's own repositories and modules are neither used nor changed
    (a test checks the user's repository file is untouched).
#>

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:repoRoot = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../..'))
    $script:version = (Import-PowerShellDataFile -LiteralPath (Get-StagedModulePath)).ModuleVersion

    # The user's repository list, to prove it is left alone.
    $script:userRepositories = Join-Path ([Environment]::GetFolderPath('LocalApplicationData')) 'PSResourceGet/PSResourceRepository.xml'
    $readUserRepositories = { if (Test-Path -LiteralPath $userRepositories) { Get-Content -Raw -LiteralPath $userRepositories } }
    $script:userRepositoriesBefore = & $readUserRepositories
    $script:userInstall = Join-Path ([Environment]::GetFolderPath('UserProfile')) '.local/share/powershell/Modules/K8sServiceAccount'
    $script:userInstallBefore = Test-Path -LiteralPath $userInstall

    # The local file repository and the children's data folder, all in TestDrive.
    $repository = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'repository')
    $homeFolder = Join-Path $TestDrive 'home'
    # .NET names no LocalApplicationData folder (PSResourceGet's repository list) that does not exist yet.
    $dataHome = (New-Item -ItemType Directory -Path (Join-Path $homeFolder '.local/share')).FullName
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
users:
- name: alpha-user
  user:
    token: alpha-token-value
'@

    $install = {
        param($Repository)
        $ErrorActionPreference = 'Stop'
        Register-PSResourceRepository -Name K8sSaPackageTest -Uri $Repository -Trusted
        try {
            Install-PSResource -Name K8sServiceAccount -Repository K8sSaPackageTest -TrustRepository -Scope CurrentUser -Quiet
            Get-InstalledPSResource -Name K8sServiceAccount -Scope CurrentUser |
                Select-Object Name, @{ Name = 'Version'; Expression = { "$($_.Version)" } }, InstalledLocation | ConvertTo-Json -Compress
        }
        finally { Unregister-PSResourceRepository -Name K8sSaPackageTest }
    }
    $use = {
        param($Kubeconfig)
        $ErrorActionPreference = 'Stop'
        $available = Get-Module -ListAvailable K8sServiceAccount
        $loadedBefore = [bool](Get-Module K8sServiceAccount)
        # By name only: PowerShell finds the cmdlet in the installed module and imports it.
        $contexts = Get-K8sContext -Kubeconfig $Kubeconfig
        $module = Get-Module K8sServiceAccount
        $help = Get-Help Get-K8sContext -Full
        $about = Get-Help about_K8sServiceAccount
        [pscustomobject]@{
            ListAvailable   = @($available.ModuleBase)
            LoadedBefore    = $loadedBefore
            Contexts        = @($contexts | ForEach-Object { '{0} {1} {2}' -f $_.Name, $_.Namespace, $_.IsCurrent })
            ModuleBase      = $module.ModuleBase
            Version         = "$($module.Version)"
            ReleaseNotes    = "$($module.ReleaseNotes)"
            LicenseUri      = "$($module.LicenseUri)"
            Files           = @(Get-ChildItem -LiteralPath $module.ModuleBase -Recurse -File |
                    ForEach-Object { [System.IO.Path]::GetRelativePath($module.ModuleBase, $_.FullName).Replace('\', '/') })
            HelpSynopsis    = "$($help.Synopsis)"
            HelpExamples    = @($help.examples.example).Count
            HelpDescription = ($help.description | Out-String).Trim()
            About           = ($about | Out-String)
        } | ConvertTo-Json -Compress -Depth 4
    }

    $saved = @{ HOME = $env:HOME; XDG_DATA_HOME = $env:XDG_DATA_HOME; PSModulePath = $env:PSModulePath }
    try {
        $env:HOME = $homeFolder
        $env:XDG_DATA_HOME = $dataHome
        # Unset: each child builds its default module path, whose CurrentUser folder is XDG_DATA_HOME/powershell/Modules.
        $env:PSModulePath = $null
        # PSResourceGet, even for Compress-PSResource, creates its CurrentUser folders under HOME.
        $script:packageOutput = Invoke-ChildPwsh -File (Join-Path $repoRoot 'build.ps1') -Task Package -NoBuild *>&1 | Out-String
        $script:packageExitCode = $LASTEXITCODE
        $script:package = Join-Path $repoRoot "out/packages/K8sServiceAccount.$version.nupkg"
        Copy-Item -LiteralPath $package -Destination $repository
        $script:installOutput = Invoke-ChildPwsh -Command $install -args $repository.FullName 2>&1 | Out-String
        $script:installExitCode = $LASTEXITCODE
        $script:useOutput = Invoke-ChildPwsh -Command $use -args $kubeconfig 2>&1 | Out-String
        $script:useExitCode = $LASTEXITCODE
    }
    finally {
        $env:HOME = $saved.HOME
        $env:XDG_DATA_HOME = $saved.XDG_DATA_HOME
        $env:PSModulePath = $saved.PSModulePath
    }
    # Each child ends with one JSON line; anything else it wrote is in the failure messages below.
    $fromJson = { param($text) try { ($text -split '\r?\n' | Where-Object { $_ -like '{*' } | Select-Object -Last 1) | ConvertFrom-Json } catch { $null } }
    $script:installed = & $fromJson $installOutput
    $script:used = & $fromJson $useOutput
    $script:installRoot = [System.IO.Path]::GetFullPath((Join-Path $dataHome 'powershell/Modules/K8sServiceAccount'))
    $script:userRepositoriesAfter = & $readUserRepositories
    $script:userInstallAfter = Test-Path -LiteralPath $userInstall

    $zip = [System.IO.Compression.ZipFile]::OpenRead($package)
    try {
        $script:entries = $zip.Entries.FullName
        $script:assemblies = foreach ($entry in $zip.Entries | Where-Object FullName -Like '*.dll') {
            $stream = [System.IO.MemoryStream]::new()
            $reader = $entry.Open()
            try { $reader.CopyTo($stream) } finally { $reader.Dispose() }
            [pscustomobject]@{ Name = $entry.FullName; Bytes = $stream.ToArray() }
        }
        $nuspecEntry = $zip.Entries | Where-Object FullName -Like '*.nuspec'
        $nuspecReader = [System.IO.StreamReader]::new($nuspecEntry.Open())
        try { $script:nuspec = [xml]$nuspecReader.ReadToEnd() } finally { $nuspecReader.Dispose() }
    }
    finally { $zip.Dispose() }
}

Describe 'build.ps1 -Task Package' {
    It 'packs the staged module into out/packages with PSResourceGet' {
        $packageExitCode | Should -Be 0 -Because $packageOutput
        $package | Should -Exist
    }

    It 'ships no debug symbols and no XML doc file, and the LICENSE' {
        $entries | Where-Object { $_ -like '*.pdb' } | Should -BeNullOrEmpty
        # The only XML files are the help (en-US/*-Help.xml), the format views (*.ps1xml) and the package's own index.
        $entries | Where-Object { $_ -like '*.xml' -and $_ -notlike '*-Help.xml' -and $_ -ne '[Content_Types].xml' } | Should -BeNullOrEmpty
        $entries | Should -Contain 'LICENSE'
        $entries | Should -Contain 'Dependencies/YamlDotNet.dll'
    }

    It 'ships assemblies that name no build folder (stack traces, the recorded .pdb path)' {
        $assemblies.Name | Should -Contain 'K8sServiceAccount.dll'
        foreach ($assembly in $assemblies) {
            foreach ($encoding in [System.Text.Encoding]::UTF8, [System.Text.Encoding]::Unicode) {
                $encoding.GetString($assembly.Bytes).Contains($repoRoot.TrimEnd('/')) |
                    Should -BeFalse -Because "$($assembly.Name) must not contain $repoRoot ($($encoding.EncodingName))"
            }
        }
    }

    It 'carries the license, the tags and the release notes from CHANGELOG.md' {
        $metadata = $nuspec.package.metadata
        $metadata.licenseUrl | Should -Be 'https://opensource.org/licenses/MIT'
        $metadata.tags | Should -Match '\bKubernetes\b'
        $changelog = Get-Content -Raw -LiteralPath (Join-Path $repoRoot 'CHANGELOG.md')
        $firstVersion = ([regex]::Match($changelog, '(?m)^## .+$')).Value
        $firstVersion | Should -Not -BeNullOrEmpty
        $metadata.releaseNotes | Should -Match ([regex]::Escape($firstVersion))
        $metadata.releaseNotes | Should -Match ([regex]::Escape("## $version"))
    }
}

Describe 'Install-PSResource from a local file repository' {
    It 'installs the package into the CurrentUser module path of the child (in TestDrive)' {
        $installExitCode | Should -Be 0 -Because $installOutput
        $installed.Name | Should -Be 'K8sServiceAccount'
        "$($installed.Version)" | Should -Be $version
        Join-Path $installRoot $version | Should -Exist
    }

    It 'leaves the user''s own PSResourceGet repositories and CurrentUser modules as they were' {
        $userRepositoriesAfter | Should -BeExactly $userRepositoriesBefore
        $userInstallAfter | Should -Be $userInstallBefore -Because "nothing is installed to $userInstall"
    }

    It 'is found by name and imported on first use (autoload), and the command works' {
        $useExitCode | Should -Be 0 -Because $useOutput
        $used.ListAvailable | Should -Be @((Join-Path $installRoot $version))
        $used.LoadedBefore | Should -BeFalse
        $used.ModuleBase | Should -Be (Join-Path $installRoot $version)
        $used.Version | Should -Be $version
        $used.Contexts | Should -Be @('alpha apps True')
    }

    It 'installs no .pdb and no XML doc file' {
        $used.Files | Where-Object { $_ -like '*.pdb' -or $_ -eq 'K8sServiceAccount.xml' } | Should -BeNullOrEmpty
        $used.Files | Should -Contain 'en-US/K8sServiceAccount.dll-Help.xml'
        $used.Files | Should -Contain 'LICENSE'
    }

    It 'has its release notes and license in the installed manifest' {
        $used.ReleaseNotes | Should -Match '## Unreleased'
        $used.LicenseUri | Should -Be 'https://opensource.org/licenses/MIT'
    }

    It 'shows the cmdlet help from the installed module' {
        $used.HelpSynopsis | Should -Not -BeNullOrEmpty
        $used.HelpSynopsis | Should -Not -Match '^\s*Get-K8sContext\s*\['
        $used.HelpDescription | Should -Not -BeNullOrEmpty
        $used.HelpExamples | Should -BeGreaterOrEqual 1
    }

    It 'shows the about topic from the installed module' {
        $used.About | Should -Match 'about_K8sServiceAccount'
        $used.About | Should -Match 'Connect-K8sCluster'
    }
}

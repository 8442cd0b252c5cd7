# Manifest source: the build writes the version from Directory.Build.props and the release notes from CHANGELOG.md
# (from its first version heading on) into out/K8sServiceAccount/.
@{
    RootModule             = 'K8sServiceAccount.dll'
    ModuleVersion          = '{{ModuleVersion}}'
    CompatiblePSEditions   = @('Core')
    GUID                   = '6f3c1d2e-8a4b-4c59-9e1f-2b7d5a9c3e81'
    Author                 = 'K8sServiceAccount contributors'
    CompanyName            = 'K8sServiceAccount'
    Copyright              = '(c) K8sServiceAccount contributors. MIT License.'
    Description            = 'Manage Kubernetes ServiceAccounts, their tokens and their RBAC permissions from PowerShell: objects out, catchable errors, kubectl-compatible connection resolution.'
    PowerShellVersion      = '7.4'
    FormatsToProcess       = @('K8sServiceAccount.Format.ps1xml')
    CmdletsToExport        = @(
        'Connect-K8sCluster'
        'Disconnect-K8sCluster'
        'Get-K8sConnection'
        'Get-K8sContext'
        # ServiceAccounts and their tokens
        'New-K8sServiceAccount'
        'Get-K8sServiceAccount'
        'Set-K8sServiceAccount'
        'Remove-K8sServiceAccount'
        'Get-K8sSaToken'
        'Get-K8sLegacySaToken'
        'Remove-K8sLegacySaToken'
        'ConvertFrom-K8sSaToken'
        'Test-K8sSaToken'
        'New-K8sSaKubeconfig'
        # Workloads that run as ServiceAccounts
        'Get-K8sWorkload'
        'Set-K8sWorkloadServiceAccount'
        # Permissions and RBAC
        'Test-K8sPermission'
        'Get-K8sPermission'
        'Get-K8sPermissionSubject'
        'Get-K8sRiskyPermission'
        'Compare-K8sPermission'
        'Get-K8sIdentity'
        'Get-K8sRbacSnapshot'
        'New-K8sPolicyRule'
        'New-K8sRole'
        'Get-K8sRole'
        'Remove-K8sRole'
        'New-K8sClusterRole'
        'Get-K8sClusterRole'
        'Remove-K8sClusterRole'
        'New-K8sRoleBinding'
        'Get-K8sRoleBinding'
        'Remove-K8sRoleBinding'
        'New-K8sClusterRoleBinding'
        'Get-K8sClusterRoleBinding'
        'Remove-K8sClusterRoleBinding'
        'Grant-K8sPermission'
        'Revoke-K8sPermission'
    )
    FunctionsToExport      = @()
    VariablesToExport      = @()
    AliasesToExport        = @()
    PrivateData            = @{
        PSData = @{
            Tags         = @('Kubernetes', 'k8s', 'ServiceAccount', 'RBAC', 'kubectl', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
            # The project has no public address yet, so no ProjectUri, IconUri or HelpInfoURI (nothing for Update-Help
            # to reach) rather than an invented one. The license is MIT: the package carries this project's LICENSE
            # (its copyright line) beside this manifest, and LicenseUri, which the Gallery wants as an absolute URI,
            # is the MIT license's canonical text. Once the repository is public, ProjectUri becomes its address and
            # LicenseUri its LICENSE.
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            ReleaseNotes = '{{ReleaseNotes}}'
        }
    }
}

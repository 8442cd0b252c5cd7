<#
    The root module of the capture copy of K8sServiceAccount that scripts/Invoke-SecretsScan.ps1 stages (never shipped,
    never loaded outside a secrets scan). It imports the real module (the staged manifest, renamed
    K8sServiceAccount.Cmdlets.psd1, in the same folder) and exports, for each of its cmdlets, a proxy function of the
    same name (ProxyCommand) whose steppable pipeline is `& cmdlet @PSBoundParameters | record`: every object a cmdlet
    writes passes through Write-SecretsCaptureObject, which appends its type, ToString() and
    `Format-List * -Force | Out-String` to objects-PID.txt in the capture directory ($env:K8SSA_SECRETS_CAPTURE), then
    passes it on unchanged. Output of a call with -AsPlainText holds a credential by design (the documented way to get
    one) and goes to objects-bydesign-PID.txt, which the scan leaves out. Errors are not seen here (they go around the
    proxy on the error stream); the suite runner dumps $Error instead.
    Parameters that carry a transformation attribute (e.g. -Duration '30m') are [object] in the proxy, so that the
    cmdlet itself converts them; the cmdlets' argument completers are registered for the proxies.
    Known limits (tests that check these fail in a scan, never in the suite): -ErrorVariable, -WarningVariable and
    -InformationVariable stay empty in the caller (the steppable pipeline sets them in the proxy's scope), Get-Help
    finds no help for the proxies, and Get-Command shows functions instead of cmdlets.
#>
$ErrorActionPreference = 'Stop'
$script:CaptureDirectory = $env:K8SSA_SECRETS_CAPTURE
if (-not $script:CaptureDirectory) { throw 'K8SSA_SECRETS_CAPTURE is not set: this capture module is for scripts/Invoke-SecretsScan.ps1 only.' }
$script:ObjectsDirectory = Join-Path $script:CaptureDirectory 'objects'
$null = [System.IO.Directory]::CreateDirectory($script:ObjectsDirectory)
$script:Sequence = 0

function Write-SecretsCaptureObject {
    [CmdletBinding()]
    param(
        [Parameter(ValueFromPipeline)] [AllowNull()] [object] $InputObject,
        [string] $Command,
        [switch] $ByDesign
    )
    process {
        if ($null -eq $InputObject) { return }
        $script:Sequence++
        $text = [System.Text.StringBuilder]::new()
        $typeName = if ($InputObject -is [psobject]) { $InputObject.PSObject.TypeNames[0] } else { $InputObject.GetType().FullName }
        [void]$text.AppendLine("=== $Command #$($script:Sequence) [$typeName]")
        try { [void]$text.AppendLine('ToString: ' + $InputObject.ToString()) } catch { [void]$text.AppendLine("ToString threw: $($_.Exception.GetType().FullName)") }
        try {
            [void]$text.AppendLine(($InputObject | Format-List -Property * -Force | Out-String -Width 4096))
        }
        catch { [void]$text.AppendLine("Format-List threw: $($_.Exception.GetType().FullName)") }
        $name = if ($ByDesign) { "objects-bydesign-$PID.txt" } else { "objects-$PID.txt" }
        [System.IO.File]::AppendAllText((Join-Path $script:ObjectsDirectory $name), $text.ToString())
        $InputObject
    }
}

$real = Import-Module (Join-Path $PSScriptRoot 'K8sServiceAccount.Cmdlets.psd1') -PassThru -ErrorAction Stop
$script:Cmdlets = @{}
foreach ($cmdlet in $real.ExportedCmdlets.Values) {
    $script:Cmdlets[$cmdlet.Name] = $cmdlet
    $metadata = [System.Management.Automation.CommandMetadata]::new($cmdlet)
    foreach ($parameter in $metadata.Parameters.Values) {
        if ($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ArgumentTransformationAttribute] }) {
            $parameter.ParameterType = [object]
        }
    }
    $proxy = [System.Management.Automation.ProxyCommand]::Create($metadata)
    $lookup = "\`$ExecutionContext\.InvokeCommand\.GetCommand\('(?:[\w.]+\\)?$($cmdlet.Name)', \[System\.Management\.Automation\.CommandTypes\]::Cmdlet\)"
    $invoke = '$scriptCmd = {& $wrappedCmd @PSBoundParameters }'
    if ($proxy -notmatch $lookup -or -not $proxy.Contains($invoke)) { throw "Unexpected proxy text for $($cmdlet.Name)" }
    $record = "`$scriptCmd = { & `$wrappedCmd @PSBoundParameters | Write-SecretsCaptureObject -Command '$($cmdlet.Name)' -ByDesign:([bool]`$PSBoundParameters['AsPlainText']) }"
    $proxy = ($proxy -replace $lookup, "`$script:Cmdlets['$($cmdlet.Name)']").Replace($invoke, $record)
    # Argument completers declared on the cmdlet's parameters, registered for the proxy.
    foreach ($parameter in $cmdlet.Parameters.Values) {
        foreach ($attribute in $parameter.Attributes) {
            if ($attribute -isnot [System.Management.Automation.ArgumentCompleterAttribute] -or -not $attribute.Type) { continue }
            $completer = [Activator]::CreateInstance($attribute.Type)
            Register-ArgumentCompleter -CommandName $cmdlet.Name -ParameterName $parameter.Name -ScriptBlock ({
                    param($commandName, $parameterName, $wordToComplete, $commandAst, $fakeBoundParameters)
                    $completer.CompleteArgument($commandName, $parameterName, $wordToComplete, $commandAst, $fakeBoundParameters)
                }.GetNewClosure())
        }
    }
    # Dot-sourced here, so that the function belongs to this module (and sees $script:Cmdlets).
    . ([scriptblock]::Create("function $($cmdlet.Name) {`n$proxy`n}"))
}
Export-ModuleMember -Function @($script:Cmdlets.Keys)

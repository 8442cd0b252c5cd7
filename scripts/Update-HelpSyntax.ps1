#Requires -Version 7.4
<#
.SYNOPSIS
    Rewrites the SYNTAX of every cmdlet in module/en-US/K8sServiceAccount.dll-Help.xml from Get-Command, and the
    aliases of every documented parameter from the cmdlet's real aliases.
.DESCRIPTION
    The syntax is derived, not written: one syntaxItem per parameter set, with the parameters, brackets, types,
    -WhatIf and -Confirm that Get-Command -Syntax shows, in its order. Descriptions stay where they are written: in
    each command's PARAMETERS (command:parameters), which this script leaves alone except for the aliases attribute.
    Run it after adding, renaming or re-declaring a parameter (tests/Pester/Help.Tests.ps1 fails until then), on the
    staged module of a fresh build:
        dotnet build K8sServiceAccount.sln -c Release
        dotnet pwsh -NoProfile -File scripts/Update-HelpSyntax.ps1
.PARAMETER HelpFile
    The MAML file to update (default: module/en-US/K8sServiceAccount.dll-Help.xml).
.PARAMETER ModulePath
    The staged module manifest (default: out/K8sServiceAccount/K8sServiceAccount.psd1).
#>
[CmdletBinding()]
param(
    [string] $HelpFile = (Join-Path $PSScriptRoot '../module/en-US/K8sServiceAccount.dll-Help.xml'),
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/K8sServiceAccount/K8sServiceAccount.psd1')
)
$ErrorActionPreference = 'Stop'
$module = Import-Module $ModulePath -Force -PassThru
$maml = 'http://schemas.microsoft.com/maml/2004/10'
$command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$dev = 'http://schemas.microsoft.com/maml/dev/2004/10'
$common = [System.Management.Automation.PSCmdlet]::CommonParameters

$path = (Resolve-Path -LiteralPath $HelpFile).Path
$doc = [System.Xml.XmlDocument]::new()
$doc.PreserveWhitespace = $true
$doc.Load($path)
$ns = [System.Xml.XmlNamespaceManager]::new($doc.NameTable)
$ns.AddNamespace('maml', $maml); $ns.AddNamespace('command', $command); $ns.AddNamespace('dev', $dev)

function Add-Element([System.Xml.XmlNode] $Parent, [string] $Indent, [string] $Uri, [string] $Name, [string] $Text, [hashtable] $Attributes) {
    $prefix = $Parent.GetPrefixOfNamespace($Uri)
    $element = $doc.CreateElement($prefix, $Name, $Uri)
    if ($Attributes) { foreach ($key in $Attributes.Keys | Sort-Object { @('required', 'variableLength', 'globbing', 'pipelineInput', 'position', 'aliases').IndexOf($_) }) { $element.SetAttribute($key, $Attributes[$key]) } }
    if ($PSBoundParameters.ContainsKey('Text') -and $null -ne $Text) { $element.InnerText = $Text }
    [void]$Parent.AppendChild($doc.CreateWhitespace("`n" + $Indent))
    [void]$Parent.AppendChild($element)
    $element
}

# A cmdlet with the hidden -PipelineInput (issue 12) binds every piped object to it and routes it to the typed parameter
# of its type (-InputObject, -Action, -Grant): those take pipeline input by value as the PARAMETERS section documents
# them, though their attributes no longer say so.
function Get-PipelineInput([System.Management.Automation.ParameterMetadata] $Parameter, $Command, [System.Xml.XmlNode] $Node) {
    $attributes = @($Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] })
    $routed = $Command.Parameters.ContainsKey('PipelineInput') -and $Parameter.Name -ne 'PipelineInput' -and
        "$($Node.SelectSingleNode("command:parameters/command:parameter[maml:name='$($Parameter.Name)']", $ns).pipelineInput)" -like 'True (ByValue*'
    $kinds = @(
        if ($routed -or $attributes.ValueFromPipeline -contains $true) { 'ByValue' }
        if ($attributes.ValueFromPipelineByPropertyName -contains $true) { 'ByPropertyName' }
    )
    if ($kinds) { "True ($($kinds -join ', '))" } else { 'False' }
}

function Get-AliasText($Parameter) { if ($Parameter.Aliases.Count) { $Parameter.Aliases -join ', ' } else { 'None' } }

foreach ($node in $doc.SelectNodes('//command:command', $ns)) {
    $name = $node.SelectSingleNode('command:details/command:name', $ns).InnerText
    $cmd = Get-Command -Module $module.Name -Name $name -ErrorAction Ignore
    if (-not $cmd) { Write-Warning "$name is in the help but not in the module"; continue }
    $syntaxLines = @(@(Get-Command $name -Syntax) -split "`r?`n" | Where-Object { $_.Trim() })

    $syntax = $node.SelectSingleNode('command:syntax', $ns)
    $syntax.RemoveAll()
    $setIndex = 0
    foreach ($set in $cmd.ParameterSets) {
        # The types exactly as Get-Command -Syntax writes them (string[], hashtable, K8sConnectionInfo).
        $line = $syntaxLines[$setIndex++]
        $item = Add-Element $syntax '      ' $command 'syntaxItem'
        [void](Add-Element $item '        ' $maml 'name' $name)
        $positional = @($set.Parameters | Where-Object { $_.Position -ge 0 } | Sort-Object Position)
        $named = @($set.Parameters | Where-Object { $_.Position -lt 0 -and $_.Name -notin $common })
        foreach ($p in $positional + $named) {
            $type = [regex]::Match($line, "-$($p.Name)\]? <([^>]+)>").Groups[1].Value
            $isSwitch = $p.ParameterType -eq [System.Management.Automation.SwitchParameter]
            $metadata = $cmd.Parameters[$p.Name]
            $element = Add-Element $item '        ' $command 'parameter' -Attributes @{
                required       = "$($p.IsMandatory)".ToLowerInvariant()
                variableLength = "$($p.ParameterType.IsArray)".ToLowerInvariant()
                globbing       = "$([bool]($metadata.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }))".ToLowerInvariant()
                pipelineInput  = Get-PipelineInput $metadata $cmd $node
                position       = $(if ($p.Position -ge 0) { "$($p.Position)" } else { 'named' })
                aliases        = Get-AliasText $p
            }
            [void](Add-Element $element '          ' $maml 'name' $p.Name)
            if (-not $isSwitch) {
                [void](Add-Element $element '          ' $command 'parameterValue' $type @{ required = 'true'; variableLength = "$($p.ParameterType.IsArray)".ToLowerInvariant() })
            }
            [void]$element.AppendChild($doc.CreateWhitespace("`n        "))
        }
        [void]$item.AppendChild($doc.CreateWhitespace("`n      "))
    }
    [void]$syntax.AppendChild($doc.CreateWhitespace("`n    "))

    foreach ($documented in $node.SelectNodes('command:parameters/command:parameter', $ns)) {
        $parameterName = $documented.SelectSingleNode('maml:name', $ns).InnerText
        if ($cmd.Parameters.ContainsKey($parameterName)) { $documented.SetAttribute('aliases', (Get-AliasText $cmd.Parameters[$parameterName])) }
    }
}

$settings = [System.Xml.XmlWriterSettings]@{ Encoding = [System.Text.UTF8Encoding]::new($false) }
$writer = [System.Xml.XmlWriter]::Create($path, $settings)
try { $doc.Save($writer) } finally { $writer.Dispose() }
Remove-Module $module.Name

<#
    The secrets scan (issue 11, "Secrets"): dot-sourced by scripts/Invoke-SecretsScan.ps1 (which runs Pester files with
    everything captured, then scans) and by tests/Pester/Invoke-PesterSuite.ps1 -CaptureDirectory (the capture side).
    Not a test file.

    Capture (in the directory named by $env:K8SSA_SECRETS_CAPTURE, with TMPDIR inside it):
      objects/     every object a K8sServiceAccount cmdlet outputs: ToString() and Format-List * -Force
                   (tests/Pester/SecretsCapture.psm1, a proxy module that Get-StagedModulePath returns in a scan)
      errors/      $Error at the end of each test file: each ErrorRecord, its exception chain, TargetObject
      files/       every regular file under each TestDrive, copied before Pester deletes it
      children/    standard output and error of every child pwsh (Invoke-ChildPwsh)
      tmp/         TMPDIR of the run: whatever anything left in a temporary folder
      transcript.txt, runner.stdout, runner.stderr, pester/ (NUnit report): the runner with Verbose and Debug on
      secrets/     what the local API servers issued (--secrets-log): known secrets, never scanned
    Known secrets: every token and client key the local API servers issued, the credentials of the kubeconfig
    fixtures (tests/K8sServiceAccount.Client.Tests/Fixtures/Kubeconfig) and of every kubeconfig, token file and exec
    plugin the run wrote. Each is searched for raw, base64, base64url, hex (keys' private scalar), a JWT's signature
    alone and 16-character prefixes. A hit names the file, the byte offset, the secret's index, kind and a short
    SHA-256 prefix, never the value.
#>

function Get-SecretsCaptureDirectory {
    # The capture directory of a running secrets scan, or $null outside one. (These capture functions keep no
    # $script: state: Pester calls them from new script scopes; their state is global.)
    $value = [Environment]::GetEnvironmentVariable('K8SSA_SECRETS_CAPTURE')
    if ($value) { $value } else { $null }
}

function New-SecretsCaptureModule {
    # Stages the capture copy of the module in DESTINATION/K8sServiceAccount: the staged module with its manifest
    # renamed K8sServiceAccount.Cmdlets.psd1, and a K8sServiceAccount.psd1 whose root module is SecretsCapture.psm1.
    param([Parameter(Mandatory)] [string] $StagedManifest, [Parameter(Mandatory)] [string] $Destination)

    $source = Split-Path -LiteralPath $StagedManifest
    $target = Join-Path $Destination 'K8sServiceAccount'
    $null = New-Item -ItemType Directory -Force -Path $Destination
    Copy-Item -LiteralPath $source -Destination $target -Recurse -Force
    Move-Item -LiteralPath (Join-Path $target 'K8sServiceAccount.psd1') -Destination (Join-Path $target 'K8sServiceAccount.Cmdlets.psd1')
    Copy-Item -LiteralPath (Join-Path $PSScriptRoot 'SecretsCapture.psm1') -Destination (Join-Path $target 'K8sServiceAccount.SecretsCapture.psm1')
    $data = Import-PowerShellDataFile -LiteralPath (Join-Path $target 'K8sServiceAccount.Cmdlets.psd1')
    $names = ($data.CmdletsToExport | ForEach-Object { "'$_'" }) -join ', '
    Set-Content -LiteralPath (Join-Path $target 'K8sServiceAccount.psd1') -Value @"
@{
    RootModule        = 'K8sServiceAccount.SecretsCapture.psm1'
    ModuleVersion     = '$($data.ModuleVersion)'
    GUID              = '$($data.GUID)'
    PowerShellVersion = '7.4'
    FunctionsToExport = @($names)
    CmdletsToExport   = @()
    VariablesToExport = @()
    AliasesToExport   = @()
}
"@
    Join-Path $target 'K8sServiceAccount.psd1'
}

function Get-SecretsCaptureRegularFile {
    # The regular files under PATH, never through a link: on Linux and macOS `find -P PATH -type f`, because .NET
    # and PowerShell show a FIFO as an ordinary file (UnixMode -rw-r--r--), and opening one blocks.
    param([Parameter(Mandatory)] [string] $Path)
    if ($IsWindows) {
        Get-ChildItem -LiteralPath $Path -Recurse -Force -File -ErrorAction Ignore | Where-Object { -not $_.LinkType }
        return
    }
    $names = ((& find -P $Path -type f -print0 2>$null) -join "`n") -split "`0"
    foreach ($name in $names) {
        $name = $name.Trim("`n")
        if ($name) { [System.IO.FileInfo]::new($name) }
    }
}

function Save-SecretsCaptureFile {
    # Copies the regular files under PATH (never following links; FIFOs, devices and sockets skipped, as is a file
    # over 32 MB, which is listed in skipped-large-files.txt instead) to the capture's files/ folder, each once per content.
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [string] $Label)

    $capture = Get-SecretsCaptureDirectory
    if (-not $capture -or -not [System.IO.Directory]::Exists($Path)) { return }
    $global:K8ssaCaptureCopySequence = 1 + [int]$global:K8ssaCaptureCopySequence
    $root = [System.IO.Path]::GetFullPath($Path)
    $destinationRoot = Join-Path $capture ('files/{0:d4}-{1}' -f $global:K8ssaCaptureCopySequence, $Label)
    if ($null -eq $global:K8ssaCaptureCopied) { $global:K8ssaCaptureCopied = @{} }
    foreach ($item in Get-SecretsCaptureRegularFile -Path $root) {
        $relative = [System.IO.Path]::GetRelativePath($root, $item.FullName)
        if ($item.Length -gt 32MB) {
            Add-Content -LiteralPath (Join-Path $capture 'skipped-large-files.txt') -Value "$($item.FullName)`t$($item.Length)"
            continue
        }
        $key = '{0}|{1}|{2}' -f $item.FullName, $item.Length, $item.LastWriteTimeUtc.Ticks
        if ($global:K8ssaCaptureCopied.ContainsKey($key)) { continue }
        $global:K8ssaCaptureCopied[$key] = $true
        $destination = Join-Path $destinationRoot $relative
        $null = [System.IO.Directory]::CreateDirectory((Split-Path -LiteralPath $destination))
        try { [System.IO.File]::Copy($item.FullName, $destination, $true) }
        catch { Add-Content -LiteralPath (Join-Path $capture 'skipped-large-files.txt') -Value "$($item.FullName)`tcopy failed: $($_.Exception.GetType().Name)" }
    }
}

function Save-SecretsCaptureError {
    # Appends every record in $Error (oldest first) to errors/NNNN.txt: the record with Format-List * -Force, its
    # InvocationInfo, each exception of its chain (inner and aggregate ones) and its TargetObject; then clears $Error.
    param([Parameter(Mandatory)] [string] $Label)

    $capture = Get-SecretsCaptureDirectory
    if (-not $capture) { return }
    $records = @($global:Error)
    [array]::Reverse($records)
    $text = [System.Text.StringBuilder]::new()
    $format = { param($value) try { $value | Format-List -Property * -Force | Out-String -Width 4096 } catch { "Format-List threw: $($_.Exception.GetType().FullName)`n" } }
    foreach ($record in $records) {
        [void]$text.AppendLine("=== $($record.GetType().FullName)")
        try { [void]$text.AppendLine('ToString: ' + $record.ToString()) } catch { [void]$text.AppendLine('ToString threw') }
        [void]$text.Append((& $format $record))
        if ($record -is [System.Management.Automation.ErrorRecord]) {
            [void]$text.Append((& $format $record.InvocationInfo))
            if ($null -ne $record.TargetObject) {
                [void]$text.AppendLine('--- TargetObject: ' + "$($record.TargetObject)")
                [void]$text.Append((& $format $record.TargetObject))
            }
            $exceptions = [System.Collections.Generic.Queue[object]]::new()
            $exceptions.Enqueue($record.Exception)
            $seen = 0
            while ($exceptions.Count -gt 0 -and $seen -lt 20) {
                $exception = $exceptions.Dequeue()
                if ($null -eq $exception) { continue }
                $seen++
                [void]$text.AppendLine("--- Exception $($exception.GetType().FullName)")
                [void]$text.Append((& $format $exception))
                if ($exception -is [System.AggregateException]) { foreach ($inner in $exception.InnerExceptions) { $exceptions.Enqueue($inner) } }
                elseif ($exception.InnerException) { $exceptions.Enqueue($exception.InnerException) }
                if ($exception -is [System.Management.Automation.IContainsErrorRecord] -and $exception.ErrorRecord -and $exception.ErrorRecord -ne $record) {
                    [void]$text.Append((& $format $exception.ErrorRecord))
                }
            }
        }
    }
    $directory = Join-Path $capture 'errors'
    $null = [System.IO.Directory]::CreateDirectory($directory)
    $global:K8ssaCaptureErrorSequence = 1 + [int]$global:K8ssaCaptureErrorSequence
    [System.IO.File]::WriteAllText((Join-Path $directory ('{0:d4}-{1}.txt' -f $global:K8ssaCaptureErrorSequence, $Label)), $text.ToString())
    $global:Error.Clear()
}

function Enable-SecretsCapture {
    <#
    .SYNOPSIS
        Turns the capture on in the suite runner (Invoke-PesterSuite.ps1 -CaptureDirectory), after Pester is imported:
        Verbose and Debug on (both preferences Continue, and -Verbose on every K8s command), $Error kept whole, and Pester's
        TestDrive removal wrapped so that each TestDrive's files and $Error are saved first.
    #>
    param([Parameter(Mandatory)] [System.Management.Automation.PSModuleInfo] $Pester)

    $global:VerbosePreference = 'Continue'
    $global:DebugPreference = 'Continue'
    # -Verbose on every K8s command; not -Debug: Connect-K8sCluster -Debug failed non-interactively ("Read and Prompt
    # functionality is not available"); $DebugPreference = 'Continue' shows the same debug lines.
    $global:PSDefaultParameterValues['*-K8s*:Verbose'] = $true
    $global:MaximumErrorCount = 32767

    $saveFiles = ${function:Save-SecretsCaptureFile}
    $saveErrors = ${function:Save-SecretsCaptureError}
    & $Pester {
        param($saveFiles, $saveErrors)
        # Pester 5 deletes the files a nested block wrote when the block ends (Clear-TestDrive), and the TestDrive
        # when the file's root block ends (Remove-TestDrive): both are wrapped (closures: Pester runs blocks in new
        # script scopes). A Pester without them fails the scan instead of capturing nothing.
        $removeTestDrive = ${function:Remove-TestDrive}
        $clearTestDrive = ${function:Clear-TestDrive}
        if (-not $removeTestDrive -or -not $clearTestDrive) { throw 'This Pester has no Remove-TestDrive/Clear-TestDrive to wrap.' }
        # Pester does not report an error in these steps: a failure is written to hook-errors.txt, which fails the scan.
        Set-Item function:script:Clear-TestDrive -Value ({
                param([String[]] $Exclude, [string] $TestDrivePath)
                try { & $saveFiles -Path $TestDrivePath -Label 'block' }
                catch { [System.IO.File]::AppendAllText((Join-Path $env:K8SSA_SECRETS_CAPTURE 'hook-errors.txt'), "$_`n$($_.ScriptStackTrace)`n") }
                & $clearTestDrive -Exclude $Exclude -TestDrivePath $TestDrivePath
            }.GetNewClosure())
        Set-Item function:script:Remove-TestDrive -Value ({
                param($TestDrivePath)
                try { & $saveFiles -Path $TestDrivePath -Label 'file'; & $saveErrors -Label 'file' }
                catch { [System.IO.File]::AppendAllText((Join-Path $env:K8SSA_SECRETS_CAPTURE 'hook-errors.txt'), "$_`n$($_.ScriptStackTrace)`n") }
                & $removeTestDrive -TestDrivePath $TestDrivePath
            }.GetNewClosure())
    } $saveFiles $saveErrors
}

# ---------------------------------------------------------------------------------------------------------------
# Known secrets and the scan.

$script:SecretsScannerSource = @'
using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;

namespace K8sSecretsScan
{
    public sealed class Hit
    {
        public string File = "";
        public long Offset;
        public int Secret;
        public string Form = "";
    }

    /// Finds byte strings (8 bytes or longer) in files: a set of the needles' first 8 bytes, probed at every offset.
    public sealed class Scanner
    {
        private readonly List<byte[]> _needles = new List<byte[]>();
        private readonly List<int> _secret = new List<int>();
        private readonly List<string> _form = new List<string>();
        private readonly Dictionary<ulong, List<int>> _byPrefix = new Dictionary<ulong, List<int>>();
        public long BytesScanned;
        public int FilesScanned;

        public int NeedleCount { get { return _needles.Count; } }

        public void Add(byte[] needle, int secret, string form)
        {
            if (needle.Length < 8) throw new ArgumentException("needles are 8 bytes or longer");
            int index = _needles.Count;
            _needles.Add(needle); _secret.Add(secret); _form.Add(form);
            ulong key = BitConverter.ToUInt64(needle, 0);
            List<int> list;
            if (!_byPrefix.TryGetValue(key, out list)) _byPrefix[key] = list = new List<int>();
            list.Add(index);
        }

        public List<Hit> ScanFile(string path, string name, int maxHitsPerFile)
        {
            byte[] data = File.ReadAllBytes(path);
            FilesScanned++;
            BytesScanned += data.Length;
            return Scan(data, name, maxHitsPerFile);
        }

        public List<Hit> Scan(byte[] data, string name, int maxHitsPerFile)
        {
            var hits = new List<Hit>();
            var seen = new HashSet<long>();
            var span = new ReadOnlySpan<byte>(data);
            for (int i = 0; i + 8 <= data.Length; i++)
            {
                ulong key = MemoryMarshal.Read<ulong>(span.Slice(i, 8));
                List<int> candidates;
                if (!_byPrefix.TryGetValue(key, out candidates)) continue;
                foreach (int n in candidates)
                {
                    byte[] needle = _needles[n];
                    if (i + needle.Length > data.Length) continue;
                    if (!span.Slice(i, needle.Length).SequenceEqual(needle)) continue;
                    // One hit per secret and offset (the longest form is reported first when several match).
                    if (!seen.Add(((long)_secret[n] << 32) | (uint)i)) continue;
                    hits.Add(new Hit { File = name, Offset = i, Secret = _secret[n], Form = _form[n] });
                    if (hits.Count >= maxHitsPerFile) return hits;
                }
            }
            return hits;
        }
    }
}
'@

function Get-SecretFingerprint {
    # A short SHA-256 prefix that tells secrets apart in a report without revealing them.
    param([Parameter(Mandatory)] [string] $Value)
    ([System.Convert]::ToHexString([System.Security.Cryptography.SHA256]::HashData([System.Text.Encoding]::UTF8.GetBytes($Value)))).Substring(0, 12).ToLowerInvariant()
}

function Get-SecretsInText {
    # The credentials a kubeconfig, exec plugin or token file (TEXT) holds: token, password and client-key-data fields
    # (block and flow YAML, JSON), auth-provider tokens and secrets, the password of a proxy-url, PEM private keys,
    # "fixture-...-SECRET-..." values. Yields @{ Kind; Value }.
    param([Parameter(Mandatory)] [AllowEmptyString()] [string] $Text)

    $fields = '(?<![\w-])"?(token|password|client-key-data|access-token|id-token|refresh-token|client-secret)"?\s*:\s*"?([^\s",}\]]+)'
    foreach ($match in [regex]::Matches($Text, $fields)) {
        $kind = $match.Groups[1].Value
        $value = $match.Groups[2].Value
        if ($kind -eq 'client-key-data') {
            try { $value = [System.Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($value)) } catch { continue }
            @{ Kind = 'client-key'; Value = $value }
            continue
        }
        if ($value.Length -ge 8) { @{ Kind = $kind; Value = $value } }
    }
    foreach ($match in [regex]::Matches($Text, '-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----')) {
        @{ Kind = 'client-key'; Value = $match.Value }
    }
    foreach ($match in [regex]::Matches($Text, '://[^:/@\s]+:([^@\s]{8,})@')) { @{ Kind = 'proxy-password'; Value = $match.Groups[1].Value } }
    foreach ($match in [regex]::Matches($Text, 'fixture-[a-z]+-SECRET-[\w-]+')) { @{ Kind = 'fixture'; Value = $match.Value } }
}

function ConvertTo-SecretNeedle {
    # The forms a secret (KIND, VALUE) is searched in: @{ Form; Bytes }.
    param([Parameter(Mandatory)] [string] $Kind, [Parameter(Mandatory)] [string] $Value)

    $utf8 = [System.Text.Encoding]::UTF8
    $forms = [ordered]@{}
    $base64 = { param($s) [Convert]::ToBase64String($utf8.GetBytes($s)) }
    $base64Url = { param($s) (& $base64 $s).TrimEnd('=').Replace('+', '-').Replace('/', '_') }
    if ($Kind -eq 'client-key') {
        $pem = $Value.Replace("`r`n", "`n").Trim()
        $body = ($pem -split "`n" | Where-Object { $_ -notmatch '^-----' }) -join ''
        $forms['raw'] = $pem
        $forms['base64'] = & $base64 $pem
        # The body after its first 64 characters (past the algorithm header that every key of a type shares), and the
        # matching slice of the base64 of the whole PEM (client-key-data), 32 characters each.
        if ($body.Length -ge 96) { $forms['pem-body'] = $body.Substring(64, 32) }
        $encodedPem = & $base64 $pem
        if ($encodedPem.Length -ge 160) { $forms['base64-slice'] = $encodedPem.Substring(128, 32) }
        try {
            $key = [System.Security.Cryptography.ECDsa]::Create()
            $key.ImportFromPem($pem)
            $private = $key.ExportParameters($true).D
        }
        catch {
            try {
                $key = [System.Security.Cryptography.RSA]::Create()
                $key.ImportFromPem($pem)
                $private = $key.ExportParameters($true).D
            }
            catch { $private = $null }
        }
        if ($private) {
            $forms['private-hex'] = [Convert]::ToHexString($private).ToLowerInvariant()
            $forms['private-HEX'] = [Convert]::ToHexString($private)
            $forms['private-base64'] = [Convert]::ToBase64String($private)
        }
    }
    else {
        $forms['raw'] = $Value
        $forms['base64'] = & $base64 $Value
        $forms['base64url'] = & $base64Url $Value
        $forms['json'] = ($Value | ConvertTo-Json -Compress).Trim('"')
        $parts = $Value.Split('.')
        if ($parts.Count -eq 3 -and $parts[2].Length -ge 16) {
            # A JWT: its header and claims are not secret (ConvertFrom-K8sSaToken shows them); the signature is.
            $forms['jwt-signature'] = $parts[2]
            $forms['jwt-signature-prefix16'] = $parts[2].Substring(0, 16)
            $forms['jwt-signature-suffix16'] = $parts[2].Substring($parts[2].Length - 16)
            $forms.Remove('json')
        }
        elseif ($Value.Length -ge 32) {
            $forms['prefix16'] = $Value.Substring(0, 16)
        }
        if ($Kind -eq 'password' -or $Kind -eq 'proxy-password') { $forms.Remove('base64url') }
    }
    foreach ($form in $forms.Keys) {
        $bytes = $utf8.GetBytes([string]$forms[$form])
        if ($bytes.Length -ge 8) { @{ Form = $form; Bytes = $bytes } }
    }
}

function Test-SecretsByDesignFile {
    # Why FILE (its text) holds credentials by design, or $null: a kubeconfig (New-K8sSaKubeconfig -Path, the local
    # API server's, the tests' own), an exec credential plugin or its output, a PEM private key file, a token file
    # (its whole content one known secret), or a secrets log.
    param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [AllowEmptyString()] [string] $Text, [System.Collections.Generic.HashSet[string]] $Secrets)

    if ($Name -like '*.secrets.log') { return 'secrets log (the list of known secrets)' }
    if ($Text -match '(?m)^\s*kind:\s*Config\s*$' -or $Text -match '(?m)^\s*users:\s*$' -or $Text -match '"kind"\s*:\s*"Config"') { return 'kubeconfig' }
    if ($Text -match 'ExecCredential') { return 'exec credential plugin or its output' }
    if ($Text -match '^\s*-----BEGIN [A-Z ]*PRIVATE KEY-----') { return 'private key file' }
    $trimmed = $Text.Trim()
    if ($trimmed.Length -ge 8 -and $Secrets -and $Secrets.Contains($trimmed)) { return 'token file' }
    $null
}

function Invoke-SecretsScanOfCapture {
    <#
    .SYNOPSIS
        Scans a capture directory for every known secret; returns the report object (no secret values in it).
    #>
    param(
        [Parameter(Mandatory)] [string] $CaptureDirectory,
        # Kubeconfig fixtures whose credentials are known secrets too.
        [string[]] $FixtureDirectory = @(),
        [int] $MaxHitsPerFile = 20
    )

    if (-not ('K8sSecretsScan.Scanner' -as [type])) { Add-Type -TypeDefinition $script:SecretsScannerSource -Language CSharp }
    $capture = [System.IO.Path]::GetFullPath($CaptureDirectory)

    # 1. Known secrets: the servers' logs, the fixtures, then the by-design files of the capture.
    $known = [System.Collections.Generic.List[object]]::new()
    $values = [System.Collections.Generic.HashSet[string]]::new([StringComparer]::Ordinal)
    $addSecret = {
        param($Kind, $Value, $Source)
        if ($values.Add($Value)) { $known.Add([pscustomobject]@{ Index = $known.Count; Kind = $Kind; Source = $Source; Fingerprint = (Get-SecretFingerprint $Value); Value = $Value }) }
    }
    $serverLogs = @(Get-ChildItem -LiteralPath (Join-Path $capture 'secrets') -Filter '*.secrets.log' -File -ErrorAction Ignore)
    foreach ($log in $serverLogs) {
        foreach ($line in [System.IO.File]::ReadAllLines($log.FullName)) {
            $kind, $encoded = $line.Split("`t", 2)
            if (-not $encoded) { continue }
            & $addSecret $kind ([System.Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($encoded))) 'local API server'
        }
    }
    foreach ($directory in $FixtureDirectory) {
        foreach ($file in Get-ChildItem -LiteralPath $directory -Recurse -File) {
            foreach ($secret in Get-SecretsInText -Text ([System.IO.File]::ReadAllText($file.FullName))) { & $addSecret $secret.Kind $secret.Value 'fixture' }
        }
    }

    # Every file of the capture, except the known secrets themselves, a nested scan's capture (the inner scan scans
    # it; a test of this scan plants secrets there on purpose), and output kept by design.
    $nested = @(Get-SecretsCaptureRegularFile -Path $capture | Where-Object Name -EQ '.secrets-capture' |
            Where-Object { $_.DirectoryName -ne $capture } | ForEach-Object { $_.DirectoryName + [System.IO.Path]::DirectorySeparatorChar })
    $files = [System.Collections.Generic.List[object]]::new()
    $excluded = [System.Collections.Generic.List[object]]::new()
    foreach ($file in Get-SecretsCaptureRegularFile -Path $capture) {
        $relative = [System.IO.Path]::GetRelativePath($capture, $file.FullName)
        if ($relative.StartsWith('secrets' + [System.IO.Path]::DirectorySeparatorChar)) { $excluded.Add([pscustomobject]@{ File = $relative; Reason = 'known secrets (local API server --secrets-log)' }); continue }
        if ($relative.StartsWith('module' + [System.IO.Path]::DirectorySeparatorChar)) { $excluded.Add([pscustomobject]@{ File = $relative; Reason = 'the staged module copy (product files)' }); continue }
        if ($nested | Where-Object { $file.FullName.StartsWith($_) }) { $excluded.Add([pscustomobject]@{ File = $relative; Reason = 'a nested secrets scan capture (scanned by that scan)' }); continue }
        if ($file.Name -like 'objects-bydesign-*.txt') { $excluded.Add([pscustomobject]@{ File = $relative; Reason = 'output of -AsPlainText (a credential by design)' }); continue }
        if ($file.Length -gt 64MB) { $excluded.Add([pscustomobject]@{ File = $relative; Reason = "over 64 MB ($($file.Length) bytes)" }); continue }
        $files.Add([pscustomobject]@{ Relative = $relative; FullName = $file.FullName; Length = $file.Length })
    }
    $scanned = [System.Collections.Generic.List[object]]::new()
    foreach ($file in $files) {
        $text = if ($file.Length -le 4MB) { [System.IO.File]::ReadAllText($file.FullName) } else { '' }
        $reason = Test-SecretsByDesignFile -Name $file.Relative -Text $text -Secrets $values
        if ($reason) {
            $excluded.Add([pscustomobject]@{ File = $file.Relative; Reason = $reason })
            foreach ($secret in Get-SecretsInText -Text $text) { & $addSecret $secret.Kind $secret.Value "by-design file $($file.Relative)" }
            continue
        }
        $scanned.Add($file)
    }

    # 2. Needles, 3. the scan.
    $scanner = [K8sSecretsScan.Scanner]::new()
    foreach ($secret in $known) {
        foreach ($needle in ConvertTo-SecretNeedle -Kind $secret.Kind -Value $secret.Value) { $scanner.Add($needle.Bytes, $secret.Index, $needle.Form) }
    }
    $hits = [System.Collections.Generic.List[object]]::new()
    foreach ($file in $scanned) {
        foreach ($hit in $scanner.ScanFile($file.FullName, $file.Relative, $MaxHitsPerFile)) {
            $secret = $known[$hit.Secret]
            $hits.Add([pscustomobject]@{ File = $hit.File; Offset = $hit.Offset; Secret = $hit.Secret; Kind = $secret.Kind; Fingerprint = $secret.Fingerprint; Form = $hit.Form; SecretSource = $secret.Source })
        }
    }
    $objectFiles = @(Get-ChildItem -LiteralPath (Join-Path $capture 'objects') -Filter 'objects-*.txt' -File -ErrorAction Ignore | Where-Object Name -NotLike 'objects-bydesign-*')
    $objects = 0
    foreach ($file in $objectFiles) { $objects += ([regex]::Matches([System.IO.File]::ReadAllText($file.FullName), '(?m)^=== ')).Count }
    $errorFiles = @(Get-ChildItem -LiteralPath (Join-Path $capture 'errors') -File -ErrorAction Ignore)
    $errors = 0
    foreach ($file in $errorFiles) { $errors += ([regex]::Matches([System.IO.File]::ReadAllText($file.FullName), '(?m)^=== ')).Count }

 $byKind = [ordered]@{}
    foreach ($group in $known | Group-Object Kind | Sort-Object Name) { $byKind[$group.Name] = $group.Count }

    [pscustomobject]@{
        SecretsKnown     = $known.Count
        SecretsByKind    = $byKind
        Needles          = $scanner.NeedleCount
        FilesScanned     = $scanner.FilesScanned
        BytesScanned     = $scanner.BytesScanned
        ObjectsRecorded  = $objects
        ErrorsRecorded   = $errors
        FilesExcluded    = $excluded.Count
        Exclusions       = @($excluded | Group-Object Reason | Sort-Object Name | ForEach-Object { [pscustomobject]@{ Reason = $_.Name; Files = $_.Count } })
        ExcludedFiles    = @($excluded)
        CaptureErrors    = $(if (Test-Path -LiteralPath (Join-Path $capture 'hook-errors.txt')) { @(Get-Content -LiteralPath (Join-Path $capture 'hook-errors.txt')).Count } else { 0 })
        Hits             = $hits.Count
        HitList          = @($hits)
    }
}

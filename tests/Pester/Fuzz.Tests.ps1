#Requires -Version 7.4
# Generated hostile inputs (issue 11, "What to prove"): the CI subset of the seeded suite in HostileSuite.ps1 (150
# kubeconfigs, 150 tokens, 100 policy files, every malformed-HTTP mode once, a watch whose first event never ends).
# Every input must end in an answer or a typed, documented error, within 2 s of processor time, raising the peak
# working set by < 256 MB, without crashing its child pwsh.
# The full counts: dotnet pwsh -File scripts/Invoke-HostileSuite.ps1 -Full (figures in RELIABILITY.md).

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'HostileSuite.ps1')
    $script:HttpModes = @(Get-HostileHttpModes | ForEach-Object { @{ Mode = $_ } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'HostileSuite.ps1')
    $script:Work = Join-Path ([System.IO.Path]::GetTempPath()) ("k8s-fuzz-" + [guid]::NewGuid().ToString('N'))
    $script:Results = @(Invoke-HostileSuite -Seed 11 -Kubeconfigs 150 -Tokens 150 -Policies 100 -Directory $script:Work)

    function script:Assert-NoVerdict([object[]] $Results) {
        $Results.Count | Should -BeGreaterThan 0
        $bad = @($Results | Where-Object Verdict | ForEach-Object { "$($_.Name): $($_.Verdict) [$($_.Case)]" })
        $bad | Should -BeNullOrEmpty
    }
}

AfterAll {
    Remove-Item -Recurse -Force -LiteralPath $script:Work -ErrorAction Ignore
}

Describe 'Generated hostile inputs' {
    It 'answers or fails typed for every <Group> input, in time and bounded memory, without a crash' -ForEach @(
        @{ Group = 'kubeconfig'; Count = 150 }, @{ Group = 'token'; Count = 150 }, @{ Group = 'policy'; Count = 100 }
    ) {
        $mine = @($script:Results | Where-Object Group -EQ $Group)
        $mine.Count | Should -Be $Count
        Assert-NoVerdict $mine
    }

    It 'answers or fails typed for a server answering <Mode>' -ForEach $script:HttpModes {
        Assert-NoVerdict @($script:Results | Where-Object { $_.Group -eq 'http' -and $_.Name -like "http-$Mode-*" })
    }
}

Describe 'Malformed HTTP answers, in detail' {
    It 'a huge answer (<Mode>) fails as KubernetesInvalidResponse, once, without reading gigabytes' -ForEach @(
        @{ Mode = 'huge-length' }, @{ Mode = 'huge-string' }, @{ Mode = 'huge-chunked' }
    ) {
        $r = @($script:Results | Where-Object { $_.Group -eq 'http' -and $_.Name -like "http-$Mode-*" })[0]
        $r.Id | Should -BeLike 'KubernetesInvalidResponse,*' -Because $r.Message
        $r.Message | Should -BeLike '*larger than*MiB*'
        $r.AllocMB | Should -BeLessThan 512
    }

    It 'a server that <Mode> ends at -RequestTimeout as KubernetesRequestTimeout, in about 5 s' -ForEach @(
        @{ Mode = 'slow-forever' }, @{ Mode = 'never-answers' }
    ) {
        $r = @($script:Results | Where-Object { $_.Group -eq 'http' -and $_.Name -like "http-$Mode-*" })[0]
        $r.Id | Should -BeLike 'KubernetesRequestTimeout,*' -Because $r.Message
        $r.Ms | Should -BeGreaterThan 4500
        $r.Ms | Should -BeLessThan 15000
    }

    It 'a Status reason that is not a word (<Mode>) never becomes part of the error id' -ForEach @(
        @{ Mode = 'status-500-ansi'; Id = 'KubernetesInternalError' }, @{ Mode = 'status-403-bad'; Id = 'KubernetesForbidden' }
    ) {
        $r = @($script:Results | Where-Object { $_.Group -eq 'http' -and $_.Name -like "http-$Mode-*" })[0]
        $r.Id | Should -BeLike "$Id,*" -Because $r.Message
    }

    It 'a redirect is a typed error with a category' {
        $r = @($script:Results | Where-Object { $_.Group -eq 'http' -and $_.Name -like 'http-status-302-*' })[0]
        $r.Id | Should -BeLike 'KubernetesHttp302,*'
        $r.Category | Should -Not -Be 'NotSpecified'
    }

    It 'a body that claims gzip and is not is KubernetesInvalidResponse' {
        $r = @($script:Results | Where-Object { $_.Group -eq 'http' -and $_.Name -like 'http-gzip-lie-*' })[0]
        $r.Id | Should -BeLike 'KubernetesInvalidResponse,*' -Because $r.Message
    }

    It 'a watch event that never ends is KubernetesInvalidResponse at the one-answer limit, not all the memory there is' {
        $r = @($script:Results | Where-Object { $_.Group -eq 'http' -and $_.Name -like 'http-watch-endless-line-*' })[0]
        $r.Id | Should -BeLike 'KubernetesInvalidResponse,*' -Because $r.Message
        $r.Message | Should -BeLike '*a watch event is larger than 64 MiB*'
        $r.PeakGrowthMB | Should -BeLessThan 256
    }
}

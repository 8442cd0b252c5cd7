#Requires -Version 7.4
#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Workloads that run as a ServiceAccount (issue 14, the article's last step): the local API server serves Deployments,
    ReplicaSets, StatefulSets, DaemonSets, Jobs, CronJobs and Pods as kubectl 1.28 expects (checked with kubectl itself),
    and Get-K8sWorkload / Set-K8sWorkloadServiceAccount list and change the ServiceAccount they run as.
#>

BeforeDiscovery {
    $script:kubectl128 = '/usr/lib/google-cloud-sdk/bin/kubectl.1.28'
    $script:noKubectl = $env:CI -ne 'true' -and -not (Test-Path $kubectl128)
    $script:noKubectl133 = $env:CI -ne 'true' -and -not (Test-Path '/usr/lib/google-cloud-sdk/bin/kubectl.1.33')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestServer.ps1')
    $script:server = Start-TestSession -Directory $TestDrive -Namespace wl -CreateNamespace wl, wl2
    $script:kubectl128 = '/usr/lib/google-cloud-sdk/bin/kubectl.1.28'

    function Invoke-Kubectl {
        # kubectl 1.28 with its own HOME (no discovery cache of the user's), against the test server, in namespace wl.
        # No param block: $args keeps kubectl's own -o and -p rather than PowerShell binding them. A first argument
        # 1.33 picks kubectl 1.33 (protobuf request bodies).
        $arguments = $args
        $kubectl = $kubectl128
        if ($arguments[0] -eq '1.33') { $kubectl = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33'; $arguments = $arguments[1..($arguments.Count - 1)] }
        $saved = $env:HOME
        try {
            $env:HOME = Join-Path $TestDrive 'kubectl-home'
            $output = & $kubectl --kubeconfig $server.Kubeconfig -n wl @arguments 2>&1 | Out-String
        }
        finally {
            $env:HOME = $saved
        }
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output }
    }

    function New-Deployment {
        param([string] $Name, [string] $Namespace = 'wl', [hashtable] $PodSpec = @{})
        $spec = @{ containers = @(@{ name = 'app'; image = 'nginx:1.25' }) } + $PodSpec
        New-TestServerObject -Server $server -Path "/apis/apps/v1/namespaces/$Namespace/deployments" -Object @{
            apiVersion = 'apps/v1'; kind = 'Deployment'; metadata = @{ name = $Name }
            spec = @{ selector = @{ matchLabels = @{ app = $Name } }; template = @{ metadata = @{ labels = @{ app = $Name } }; spec = $spec } }
        }
    }

    $null = New-K8sServiceAccount -Name sample-sa
    $null = New-K8sServiceAccount -Name quiet-sa -AutomountToken $false
}

AfterAll {
    Stop-TestSession -Server $script:server
}

Describe 'The local API server serves workloads as kubectl 1.28 expects' -Skip:$noKubectl {
    It 'create deployment, set serviceaccount (a strategic merge patch) and get -o json' {
        (Invoke-Kubectl create deployment web --image=nginx).ExitCode | Should -Be 0
        $set = Invoke-Kubectl set serviceaccount deployment/web sample-sa
        $set.Output | Should -Match 'deployment.apps/web serviceaccount updated'
        $deployment = (Invoke-Kubectl get deploy web -o json).Output | ConvertFrom-Json
        $deployment.spec.template.spec.serviceAccountName | Should -Be 'sample-sa'
        # The deprecated field, as the v1 conversion writes it back.
        $deployment.spec.template.spec.serviceAccount | Should -Be 'sample-sa'
        $deployment.metadata.generation | Should -Be 2
        $deployment.spec.strategy.type | Should -Be 'RollingUpdate'
        $deployment.spec.template.spec.restartPolicy | Should -Be 'Always'
        Wait-Until { ((Invoke-Kubectl get deploy web -o json).Output | ConvertFrom-Json).status.observedGeneration -eq 2 }
    }

    It 'the Deployment controller starts a Pod that runs as the template''s ServiceAccount; get pods -A lists it' {
        Wait-Until { (Invoke-Kubectl get pods -A -o json).Output | ConvertFrom-Json | ForEach-Object { $_.items | Where-Object { $_.spec.serviceAccountName -eq 'sample-sa' } } }
        $pods = ((Invoke-Kubectl get pods -A -o json).Output | ConvertFrom-Json).items | Where-Object { $_.metadata.name -like 'web-*' }
        $pods.spec.serviceAccountName | Sort-Object -Unique | Should -Be 'sample-sa'
        $pods[0].spec.volumes.projected.sources.serviceAccountToken.path | Should -Be 'token' -Because 'ServiceAccount admission mounts the token'
        (Invoke-Kubectl get pods -A).Output | Should -Match '(?m)^wl\s+web-'
    }

    It 'refuses a serviceAccountName that is not a DNS subdomain, naming the field' {
        $result = Invoke-Kubectl set serviceaccount deployment/web Bad_Name
        $result.ExitCode | Should -Not -Be 0
        $result.Output | Should -Match 'spec.template.spec.serviceAccountName: Invalid value: "Bad_Name"'
    }

    It 'applies a JSON merge patch' {
        $patch = '{"spec":{"template":{"spec":{"automountServiceAccountToken":false}}}}'
        (Invoke-Kubectl patch deployment web --type merge -p $patch).ExitCode | Should -Be 0
        ((Invoke-Kubectl get deploy web -o json).Output | ConvertFrom-Json).spec.template.spec.automountServiceAccountToken | Should -BeFalse
    }

    It 'serves Jobs, CronJobs and the other workloads with their paths and -A lists' {
        (Invoke-Kubectl create job once --image=busybox).ExitCode | Should -Be 0
        (Invoke-Kubectl create cronjob nightly --image=busybox --schedule '0 1 * * *').ExitCode | Should -Be 0
        $all = (Invoke-Kubectl get 'deployments,replicasets,statefulsets,daemonsets,jobs,cronjobs' -A -o json).Output | ConvertFrom-Json
        $all.items.kind | Should -Contain 'Job'
        $all.items.kind | Should -Contain 'CronJob'
        $all.items.kind | Should -Contain 'ReplicaSet'
        ((Invoke-Kubectl get job once -o json).Output | ConvertFrom-Json).spec.template.spec.restartPolicy | Should -Be 'Never'
    }

    It 'refuses a Deployment without a selector or containers, naming the fields' {
        $manifest = Join-Path $TestDrive 'bad.json'
        '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"bad"},"spec":{"template":{"spec":{}}}}' | Set-Content $manifest
        $result = Invoke-Kubectl create -f $manifest
        $result.Output | Should -Match 'spec.selector: Required value'
        $result.Output | Should -Match 'spec.template.spec.containers: Required value'
    }
}

Describe 'kubectl 1.33 (protobuf request bodies) creates Deployments' -Skip:$noKubectl133 {
    It 'create deployment sends a protobuf Deployment the server decodes, ports and replicas included' {
        $result = Invoke-Kubectl 1.33 create deployment proto --image=nginx:1.25 --port 80 --replicas 2
        $result.ExitCode | Should -Be 0 -Because $result.Output
        (Invoke-Kubectl 1.33 set serviceaccount deployment/proto sample-sa).ExitCode | Should -Be 0
        $deployment = (Invoke-Kubectl get deploy proto -o json).Output | ConvertFrom-Json
        $deployment.spec.replicas | Should -Be 2
        $deployment.spec.template.spec.containers[0].ports[0].containerPort | Should -Be 80
        $deployment.spec.template.spec.containers[0].image | Should -Be 'nginx:1.25'
        $deployment.spec.template.spec.serviceAccountName | Should -Be 'sample-sa'
        Wait-Until { @(Get-K8sWorkload -Kind Pod -Name 'proto-*' -ServiceAccount sample-sa).Count -eq 2 }
    }
}

Describe 'Get-K8sWorkload' {
    BeforeAll {
        $null = New-Deployment -Name api -PodSpec @{ serviceAccountName = 'sample-sa' }
        $null = New-Deployment -Name plain
        $null = New-Deployment -Name quiet -PodSpec @{ serviceAccountName = 'quiet-sa' }
        $null = New-Deployment -Name loud -PodSpec @{ serviceAccountName = 'quiet-sa'; automountServiceAccountToken = $true }
        $null = New-Deployment -Name other -Namespace wl2
        Wait-Until { @(Get-K8sWorkload -Kind Pod -Name 'api-*').Count -ge 1 }
    }

    It 'lists what runs as a ServiceAccount: the Deployment, its ReplicaSet and its Pod, with the user they run as' {
        $rows = Get-K8sWorkload -ServiceAccount sample-sa -Name 'api*'
        $rows.Kind | Should -Be 'Deployment', 'ReplicaSet', 'Pod'
        $rows.User | Sort-Object -Unique | Should -Be 'system:serviceaccount:wl:sample-sa'
        $rows.ServiceAccount | Sort-Object -Unique | Should -Be 'wl/sample-sa'
        $rows | Should -BeOfType ([K8sServiceAccount.K8sWorkloadInfo])
    }

    It 'counts the default ServiceAccount when the template names none' {
        $row = Get-K8sWorkload -Kind Deployment -ServiceAccount default -Name plain
        $row.ServiceAccount | Should -Be 'wl/default'
        $row.ServiceAccountSpecified | Should -BeFalse
        $row.ServiceAccountExists | Should -BeTrue
    }

    It 'gives the effective automountServiceAccountToken: Pod spec over ServiceAccount over default true' {
        $rows = Get-K8sWorkload -Kind Deployment -Name plain, quiet, loud | Sort-Object Name
        $rows | ForEach-Object { "$($_.Name)=$($_.AutomountServiceAccountToken)/$($_.AutomountSource)" } |
            Should -Be 'loud=True/PodSpec', 'plain=True/Default', 'quiet=False/ServiceAccount'
    }

    It 'takes a piped ServiceAccount and lists what runs as it' {
        (Get-K8sServiceAccount quiet-sa | Get-K8sWorkload -Kind Deployment).Name | Sort-Object | Should -Be 'loud', 'quiet'
    }

    It 'takes findings by their ServiceAccount property, skips those without one and lists each ServiceAccount once' {
        $findings = @(
            [pscustomobject]@{ Subject = 'wl/sample-sa'; ServiceAccount = 'wl/sample-sa' }
            [pscustomobject]@{ Subject = 'alice'; ServiceAccount = $null }
            [pscustomobject]@{ Subject = 'wl/sample-sa'; ServiceAccount = 'wl/sample-sa' }
            [pscustomobject]@{ Subject = 'wl2/default'; ServiceAccount = 'wl2/default' }
        )
        $rows = $findings | Get-K8sWorkload -Kind Deployment -Name api, other
        $rows | ForEach-Object { "$($_.Namespace)/$($_.Name)" } | Sort-Object | Should -Be 'wl/api', 'wl2/other'
    }

    It 'pipes into Get-K8sServiceAccount as the ServiceAccount it runs as, and into Get-K8sPermission as its subject' {
        (Get-K8sWorkload -Kind Deployment -Namespace wl2 -Name other | Get-K8sServiceAccount) | ForEach-Object { "$($_.Namespace)/$($_.Name)" } |
            Should -Be 'wl2/default'
        Grant-K8sPermission -ServiceAccount wl/sample-sa -Verb get -Resource configmaps -Namespace wl -WarningAction SilentlyContinue | Out-Null
        (Get-K8sWorkload -Kind Deployment -Name api | Get-K8sPermission).Subject | Sort-Object -Unique | Should -Be 'system:serviceaccount:wl:sample-sa'
    }

    It 'lists every namespace with -AllNamespaces and one with -Namespace' {
        (Get-K8sWorkload -Kind Deployment -AllNamespaces).Namespace | Sort-Object -Unique | Should -Be 'wl', 'wl2'
        (Get-K8sWorkload -Kind Deployment -Namespace wl2).Name | Should -Be 'other'
    }

    It 'refuses an unknown kind, naming -Kind' {
        $failure = { Get-K8sWorkload -Kind Widget } | Should -Throw -ErrorId 'InvalidWorkloadKind,K8sServiceAccount.Commands.GetK8sWorkloadCommand' -PassThru
        "$failure" | Should -BeLike "-Kind: 'Widget' is not a workload kind; use one of Deployment, *"
    }

    It 'completes -Kind with the kinds each command takes' {
        $tab = { param($line) (TabExpansion2 $line $line.Length).CompletionMatches.CompletionText }
        & $tab 'Get-K8sWorkload -Kind ' | Should -Be 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod'
        & $tab 'Set-K8sWorkloadServiceAccount -Kind ' | Should -Not -Contain 'Pod'
        & $tab 'Set-K8sWorkloadServiceAccount -Kind Cr' | Should -Be 'CronJob'
    }

    It 'takes kinds as kubectl names them, as Set-K8sWorkloadServiceAccount does' {
        (Get-K8sWorkload -Kind deploy -Namespace wl2).Name | Should -Be (Get-K8sWorkload -Kind Deployment -Namespace wl2).Name
        (Get-K8sWorkload -Kind deployments.apps, Pods -Namespace wl2 | Select-Object -ExpandProperty Kind -Unique) | Should -Be (Get-K8sWorkload -Kind Deployment, Pod -Namespace wl2 | Select-Object -ExpandProperty Kind -Unique)
    }
}

Describe 'Set-K8sWorkloadServiceAccount' {
    BeforeAll {
        $null = New-Deployment -Name move-me
        $null = New-Deployment -Name move-me-too -Namespace wl2
        $null = New-K8sServiceAccount -Name sample-sa -Namespace wl2
    }

    It 'refuses a ServiceAccount that does not exist with ServiceAccountNotFound, and changes nothing' {
        { Set-K8sWorkloadServiceAccount deployment/move-me -ServiceAccount missing-sa -ErrorAction Stop } |
            Should -Throw -ErrorId 'ServiceAccountNotFound,K8sServiceAccount.Commands.SetK8sWorkloadServiceAccountCommand'
        (Get-K8sWorkload -Kind Deployment -Name move-me).ServiceAccountName | Should -Be 'default'
    }

    It 'sets it anyway with -Force' {
        $row = Set-K8sWorkloadServiceAccount deployment/move-me -ServiceAccount later-sa -Force -PassThru
        $row.ServiceAccount | Should -Be 'wl/later-sa'
        $row.ServiceAccountExists | Should -BeFalse
    }

    It 'changes nothing with -WhatIf' {
        Set-K8sWorkloadServiceAccount -Name move-me -Kind Deployment -ServiceAccount sample-sa -WhatIf
        (Get-K8sWorkload -Kind Deployment -Name move-me).ServiceAccountName | Should -Be 'later-sa'
    }

    It 'takes kubectl''s KIND/NAME and -Kind with plural and short names' {
        Set-K8sWorkloadServiceAccount deploy/move-me -ServiceAccount sample-sa
        (Get-K8sWorkload -Kind Deployment -Name move-me).ServiceAccountName | Should -Be 'sample-sa'
        Set-K8sWorkloadServiceAccount move-me -Kind deployments.apps -ServiceAccount default
        (Get-K8sWorkload -Kind Deployment -Name move-me).ServiceAccountName | Should -Be 'default'
    }

    It 'needs a kind, and refuses Pods and unknown kinds' {
        { Set-K8sWorkloadServiceAccount move-me -ServiceAccount sample-sa -ErrorAction Stop } |
            Should -Throw -ErrorId 'WorkloadKindRequired,K8sServiceAccount.Commands.SetK8sWorkloadServiceAccountCommand'
        { Set-K8sWorkloadServiceAccount pod/x -ServiceAccount sample-sa -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidWorkloadKind,K8sServiceAccount.Commands.SetK8sWorkloadServiceAccountCommand'
        { Set-K8sWorkloadServiceAccount widget/x -ServiceAccount sample-sa -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidWorkloadKind,K8sServiceAccount.Commands.SetK8sWorkloadServiceAccountCommand'
    }

    It 'refuses a ServiceAccount name that no ServiceAccount can have, naming -ServiceAccount' {
        { Set-K8sWorkloadServiceAccount deployment/move-me -ServiceAccount Bad_Name } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,K8sServiceAccount.Commands.SetK8sWorkloadServiceAccountCommand'
    }

    It 'takes workloads from Get-K8sWorkload, each in its own namespace, and never their ServiceAccount' {
        $rows = Get-K8sWorkload -Kind Deployment -AllNamespaces -Name move-me, move-me-too |
            Set-K8sWorkloadServiceAccount -ServiceAccount sample-sa -PassThru
        $rows | ForEach-Object { "$($_.Namespace)/$($_.Name)=$($_.ServiceAccount)" } | Sort-Object |
            Should -Be 'wl/move-me=wl/sample-sa', 'wl2/move-me-too=wl2/sample-sa'
    }

    It 'starts the Pods of the new template as the new ServiceAccount' {
        Wait-Until { Get-K8sWorkload -Kind Pod -Namespace wl2 -Name 'move-me-too-*' -ServiceAccount sample-sa }
        (Get-K8sWorkload -Kind Pod -Namespace wl2 -Name 'move-me-too-*' -ServiceAccount sample-sa).User |
            Should -Be 'system:serviceaccount:wl2:sample-sa'
    }
}

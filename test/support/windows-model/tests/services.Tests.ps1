BeforeAll { . (Join-Path $PSScriptRoot 'ModelTestSetup.ps1') }

Describe 'service control model' {
    BeforeEach { $script:statePath = New-TestModel -Role dc -State @{ denied = @('service:W32Time') } }
    AfterEach { Remove-Item -LiteralPath $script:statePath -ErrorAction Ignore }

    It 'lists dependents transitively and dependencies directly' {
        (Get-Service -Name SamSS).DependentServices.Name | Sort-Object | Should -Be @('Kdc', 'LanmanServer', 'Netlogon')
        (Get-Service -Name Netlogon).ServicesDependedOn.Name | Should -Be @('LanmanWorkstation', 'LanmanServer')
    }

    It 'Stop-Service without -Force refuses a service with running dependents' {
        $err = { Stop-Service -Name NTDS -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'ServiceHasDependentServices,Microsoft.PowerShell.Commands.StopServiceCommand*'
        (Get-Service -Name NTDS).Status | Should -Be 'Running'
    }

    It 'Stop-Service -Force stops the running dependents too' {
        Stop-Service -Name NTDS -Force
        (Get-Service -Name NTDS, DNS, IsmServ).Status | Should -Be @('Stopped', 'Stopped', 'Stopped')
    }

    It 'Start-Service starts what the service depends on, not its dependents' {
        Stop-Service -Name NTDS -Force
        Start-Service -Name DNS
        (Get-Service -Name NTDS).Status | Should -Be 'Running'
        (Get-Service -Name IsmServ).Status | Should -Be 'Stopped'
    }

    It 'keeps the delayed flag apart from the start type: Set-Service leaves it, sc.exe auto clears it' {
        (Get-CimInstance -ClassName Win32_Service -Filter "Name='WinRM'").DelayedAutoStart | Should -BeTrue
        Set-Service -Name WinRM -StartupType Disabled
        Set-Service -Name WinRM -StartupType Automatic
        (Get-CimInstance -ClassName Win32_Service -Filter "Name='WinRM'").DelayedAutoStart | Should -BeTrue
        sc.exe config WinRM start= auto | Should -Be '[SC] ChangeServiceConfig SUCCESS'
        (Get-CimInstance -ClassName Win32_Service -Filter "Name='WinRM'").DelayedAutoStart | Should -BeFalse
        (Get-Service -Name WinRM).StartType | Should -Be 'Automatic'
    }

    It 'takes only the start types Windows PowerShell 5.1 has' {
        { Set-Service -Name WinRM -StartupType AutomaticDelayedStart } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }

    It 'refuses a denied service, and a missing one is ObjectNotFound' {
        { Stop-Service -Name W32Time -ErrorAction Stop } | Should -Throw -ErrorId 'CouldNotStopService*'
        sc.exe config W32Time start= demand | Out-Null
        $LASTEXITCODE | Should -Be 5
        $missing = { Get-Service -Name NoSuchService -ErrorAction Stop } | Should -Throw -PassThru
        $missing.CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}

BeforeAll { . (Join-Path $PSScriptRoot 'NetworkModelSetup.ps1') }

Describe 'firewall profile model' {
    AfterEach { Remove-Item -LiteralPath $script:statePath -ErrorAction Ignore }

    It 'reads and writes the PersistentStore by default; the ActiveStore shows the same when no GPO sets it' {
        $script:statePath = New-NetworkTestModel
        Set-NetFirewallProfile -Name Public -Enabled False
        [string](Get-NetFirewallProfile -Name Public).Enabled | Should -Be 'False'
        [string](Get-NetFirewallProfile -Name Public -PolicyStore ActiveStore).Enabled | Should -Be 'False'
        [string](Get-NetFirewallProfile -Name Public -PolicyStore RSOP).Enabled | Should -Be 'NotConfigured'
    }

    It 'lets a GPO value win in the ActiveStore over a local change' {
        $script:statePath = New-NetworkTestModel -State @{ firewall = @{ profiles = @{ Domain = @{ local = 'True'; gpo = 'True' }; Private = @{ local = 'True'; gpo = 'NotConfigured' }; Public = @{ local = 'True'; gpo = 'NotConfigured' } } } }
        Set-NetFirewallProfile -Name Domain -Enabled False
        [string](Get-NetFirewallProfile -Name Domain).Enabled | Should -Be 'False'
        [string](Get-NetFirewallProfile -Name Domain -PolicyStore ActiveStore).Enabled | Should -Be 'True'
    }

    It 'refuses writes to the ActiveStore and RSOP (read-only stores)' {
        $script:statePath = New-NetworkTestModel
        { Set-NetFirewallProfile -Name Domain -Enabled False -PolicyStore ActiveStore } | Should -Throw -ErrorId 'Windows System Error 5*'
    }

    It 'takes GpoBoolean values only, and says a profile name is unknown with a non-terminating error' {
        $script:statePath = New-NetworkTestModel
        { Set-NetFirewallProfile -Name Domain -Enabled Maybe } | Should -Throw -ErrorId 'ParameterArgumentTransformationError*'
        Get-NetFirewallProfile -Name Nope -ErrorAction SilentlyContinue -ErrorVariable problem | Should -BeNullOrEmpty
        $problem[0].FullyQualifiedErrorId | Should -Be 'CmdletizationQuery_NotFound_Name,Get-NetFirewallProfile'
    }

    It 'denies reading an unreadable profile and fails when the CIM provider does' {
        $script:statePath = New-NetworkTestModel -State @{ unreadable = @('firewall:Domain'); cimFailure = @() }
        { Get-NetFirewallProfile -Name Domain -ErrorAction Stop } | Should -Throw -ErrorId 'Windows System Error 5*'
        $script:statePath = New-NetworkTestModel -State @{ cimFailure = @('MSFT_NetFirewallProfile') }
        { Get-NetFirewallProfile -ErrorAction Stop } | Should -Throw -ErrorId 'HRESULT 0x80041013*'
    }
}

BeforeAll { . (Join-Path $PSScriptRoot 'ModelTestSetup.ps1') }

Describe 'Microsoft Defender model' {
    AfterEach { Remove-Item -LiteralPath $script:statePath -ErrorAction Ignore }

    It 'adds and removes exclusion paths; an empty list reads as $null' {
        $script:statePath = New-TestModel
        (Get-MpPreference).ExclusionPath | Should -BeNullOrEmpty
        Add-MpPreference -ExclusionPath 'C:\a', 'C:\b'
        (Get-MpPreference).ExclusionPath | Should -Be @('C:\a', 'C:\b')
        Remove-MpPreference -ExclusionPath 'C:\a'
        (Get-MpPreference).ExclusionPath | Should -Be @('C:\b')
    }

    It 'fails with 0x800106ba when the WinDefend service is not running' {
        $script:statePath = New-TestModel -State @{ services = @{ WinDefend = @{ displayName = 'Microsoft Defender Antivirus Service'; status = 'Stopped'; startType = 'Disabled'; delayed = $false; dependsOn = @() } } }
        { Get-MpPreference -ErrorAction Stop } | Should -Throw -ErrorId 'HRESULT 0x800106ba*'
    }

    It 'has no Mp cmdlets where Defender is not installed' {
        Remove-Item -LiteralPath Function:\global:Get-MpPreference -ErrorAction Ignore
        $script:statePath = New-TestModel -State @{ defender = @{ installed = $false; antivirusEnabled = $false; exclusionPath = @() } }
        Get-Command -Name Get-MpPreference -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}

BeforeAll { . (Join-Path $PSScriptRoot 'ModelTestSetup.ps1') }

Describe 'registry provider model' {
    BeforeEach { $script:statePath = New-TestModel -Role srv -State @{ denied = @('registry:HKLM:\SOFTWARE\Locked*'); unreadable = @('registry:HKLM:\SOFTWARE\Secret') } }
    AfterEach { Remove-Item -LiteralPath $script:statePath -ErrorAction Ignore }

    It 'round-trips every value kind with the .NET type Windows returns' -ForEach @(
        @{ Kind = 'String'; Value = 'text'; Type = [string] }
        @{ Kind = 'ExpandString'; Value = '%SystemRoot%\x'; Type = [string] }
        @{ Kind = 'DWord'; Value = 4294967295; Type = [int] }
        @{ Kind = 'QWord'; Value = 1099511627776; Type = [long] }
        @{ Kind = 'MultiString'; Value = [string[]]@('a', '', 'b'); Type = [string[]] }
        @{ Kind = 'Binary'; Value = [byte[]]@(0, 255, 7); Type = [byte[]] }
    ) {
        New-Item -Path 'HKLM:\SOFTWARE\Kinds' -Force | Out-Null
        New-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Kinds' -Name v -Value $Value -PropertyType $Kind | Out-Null
        $key = Get-Item -LiteralPath 'HKLM:\SOFTWARE\Kinds'
        $key.GetValueKind('v') | Should -Be $Kind
        $raw = $key.GetValue('v', $null, 'DoNotExpandEnvironmentNames')
        , $raw | Should -BeOfType $Type
        if ($Kind -eq 'DWord') { $raw | Should -Be -1 } else { $raw | Should -Be $Value }
    }

    It 'expands REG_EXPAND_SZ in Get-ItemProperty, not in GetValue with DoNotExpandEnvironmentNames' {
        New-Item -Path 'HKLM:\SOFTWARE\Exp' -Force | Out-Null
        New-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Exp' -Name p -Value '%SystemRoot%\%NotDefined%' -PropertyType ExpandString | Out-Null
        (Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Exp').p | Should -BeExactly 'C:\Windows\%NotDefined%'
        (Get-Item -LiteralPath 'HKLM:\SOFTWARE\Exp').GetValue('p', $null, 'DoNotExpandEnvironmentNames') | Should -BeExactly '%SystemRoot%\%NotDefined%'
    }

    It 'tells an empty value from an absent one' {
        New-Item -Path 'HKLM:\SOFTWARE\Empty' -Force | Out-Null
        New-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Empty' -Name e -Value '' -PropertyType String | Out-Null
        (Get-Item -LiteralPath 'HKLM:\SOFTWARE\Empty').Property | Should -Be @('e')
        (Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Empty' -Name e).e | Should -BeExactly ''
        { Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Empty' -Name absent -ErrorAction Stop } | Should -Throw -ErrorId 'System.Management.Automation.PSArgumentException,Microsoft.PowerShell.Commands.GetItemPropertyCommand*'
    }

    It 'reaches HKU and HKCR through Registry:: paths, and has no HKU: drive' {
        (Get-ItemProperty -LiteralPath 'Registry::HKEY_CLASSES_ROOT\.txt').'(default)' | Should -Be 'txtfile'
        Test-Path -LiteralPath 'Registry::HKEY_USERS\S-1-5-19' | Should -BeTrue
        { Get-Item -LiteralPath 'HKU:\S-1-5-19' -ErrorAction Stop } | Should -Throw -ErrorId 'DriveNotFound*'
    }

    It 'refuses writes under a denied key with the SecurityException, reads allowed' {
        New-Item -Path 'HKLM:\SOFTWARE\Locked' -Force | Out-Null
        Get-Item -LiteralPath 'HKLM:\SOFTWARE\Locked' | Should -Not -BeNullOrEmpty
        $err = { New-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Locked' -Name x -Value 1 -PropertyType DWord -ErrorAction Stop } | Should -Throw -PassThru
        $err.Exception | Should -BeOfType [System.Security.SecurityException]
        $err.Exception.Message | Should -Be 'Requested registry access is not allowed.'
        $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
        $err.FullyQualifiedErrorId | Should -BeLike 'System.Security.SecurityException,Microsoft.PowerShell.Commands.NewItemPropertyCommand*'
    }

    It 'reports a missing key as PathNotFound (ObjectNotFound), an unreadable one as PermissionDenied' {
        $missing = { Get-Item -LiteralPath 'HKLM:\SOFTWARE\Nope' -ErrorAction Stop } | Should -Throw -PassThru
        $missing.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        New-Item -Path 'HKLM:\SOFTWARE\Secret' -Force -ErrorAction SilentlyContinue | Out-Null
        $denied = { Get-Item -LiteralPath 'HKLM:\SOFTWARE\Secret' -ErrorAction Stop } | Should -Throw -PassThru
        $denied.CategoryInfo.Category | Should -Be 'PermissionDenied'
    }

    It 'refuses RegistryKey methods under ConstrainedLanguage, as Windows does' {
        $key = Get-Item -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
        Invoke-Constrained { param($key) try { $key.GetValueNames(); 'allowed' } catch { $_.FullyQualifiedErrorId } } $key | Should -Be 'MethodInvocationNotSupportedInConstrainedLanguage'
    }
}

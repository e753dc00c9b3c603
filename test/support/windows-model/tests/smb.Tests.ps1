BeforeAll { . (Join-Path $PSScriptRoot 'NetworkModelSetup.ps1') }

Describe 'SMB server configuration model' {
    AfterEach { Remove-Item -LiteralPath $script:statePath -ErrorAction Ignore }

    It 'requires signing on a DC only' {
        $script:statePath = New-NetworkTestModel -Role dc
        (Get-SmbServerConfiguration).RequireSecuritySignature | Should -BeTrue
        $script:statePath = New-NetworkTestModel -Role srv
        (Get-SmbServerConfiguration).RequireSecuritySignature | Should -BeFalse
    }

    It 'asks before it changes anything (ConfirmImpact High): -WhatIf changes nothing, -Force skips the question' {
        $script:statePath = New-NetworkTestModel -Role dc
        Set-SmbServerConfiguration -RequireSecuritySignature $false -WhatIf 6>$null
        (Get-Command Set-SmbServerConfiguration).ScriptBlock.Attributes.Where({ $_.TypeId.Name -eq 'CmdletBindingAttribute' }).ConfirmImpact | Should -Be 'High'
        (Get-SmbServerConfiguration).RequireSecuritySignature | Should -BeTrue
        Set-SmbServerConfiguration -RequireSecuritySignature $false -Force
        (Get-SmbServerConfiguration).RequireSecuritySignature | Should -BeFalse
    }

    It 'denies a caller without rights' {
        $script:statePath = New-NetworkTestModel -Role dc -State @{ denied = @('smb:server') }
        { Set-SmbServerConfiguration -RequireSecuritySignature $false -Force -ErrorAction Stop } | Should -Throw -ErrorId 'Windows System Error 5*'
    }
}

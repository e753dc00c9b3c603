BeforeAll { . (Join-Path $PSScriptRoot 'NetworkModelSetup.ps1') }

Describe 'auditpol.exe model' {
    BeforeEach { $script:file = Join-Path ([System.IO.Path]::GetTempPath()) ('auditpol-' + [guid]::NewGuid() + '.csv') }
    AfterEach { Remove-Item -LiteralPath $script:statePath, $script:file -ErrorAction Ignore }

    It 'backs up every subcategory with its number, in the display language (<Language>)' -ForEach @(
        @{ Language = 'en'; Words = 'Success and Failure' }
        @{ Language = 'de'; Words = 'Erfolg und Fehler' }
        @{ Language = 'es'; Words = 'Aciertos y errores' }
    ) {
        $script:statePath = New-NetworkTestModel -State @{ auditpol = @{ language = $Language; machine = 'SRV01'; settings = @{ '{0CCE9215-69AE-11D9-BED3-505054503030}' = 3; '{0CCE922B-69AE-11D9-BED3-505054503030}' = 0 } } }
        & auditpol.exe /backup "/file:$script:file" | Out-Null
        $LASTEXITCODE | Should -Be 0
        $rows = Get-Content -LiteralPath $script:file | Select-Object -Skip 1 | ConvertFrom-Csv -Header a, b, c, guid, e, f, value
        ($rows | Where-Object guid -EQ '{0cce9215-69ae-11d9-bed3-505054503030}').e | Should -Be $Words
        ($rows | Where-Object guid -EQ '{0cce922b-69ae-11d9-bed3-505054503030}').value | Should -Be '0'
    }

    It 'sets success and failure by GUID, bit by bit' {
        $script:statePath = New-NetworkTestModel
        & auditpol.exe /set '/subcategory:{0CCE9215-69AE-11D9-BED3-505054503030}' /success:disable | Out-Null
        (Get-ModelArea auditpol)['settings']['{0CCE9215-69AE-11D9-BED3-505054503030}'] | Should -Be 2
        & auditpol.exe /get '/subcategory:{0CCE9215-69AE-11D9-BED3-505054503030}' /r | Select-Object -Last 1 | Should -BeLike '*,Failure,'
    }

    It 'answers an unknown GUID with error 87 and no change, and a caller without the privilege with 1314' {
        $script:statePath = New-NetworkTestModel
        $said = & auditpol.exe /set '/subcategory:{0CCE9999-69AE-11D9-BED3-505054503030}' /success:disable
        $LASTEXITCODE | Should -Be 87
        $said[0] | Should -Be 'Error 0x00000057 occurred:'
        $script:statePath = New-NetworkTestModel -State @{ unreadable = @('auditpol') }
        & auditpol.exe /backup "/file:$script:file" | Out-Null
        $LASTEXITCODE | Should -Be 1314
        Test-Path -LiteralPath $script:file | Should -BeFalse
    }
}

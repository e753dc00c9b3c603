BeforeAll { . (Join-Path $PSScriptRoot 'ModelTestSetup.ps1') }

Describe 'local accounts model' {
    AfterEach { Remove-Item -LiteralPath $script:statePath -ErrorAction Ignore }

    It 'finds the Guest by RID 501 whatever its name, and enables it by SID' {
        $script:statePath = New-TestModel -State @{ users = @{ list = @(@{ name = 'Gast'; rid = 501; enabled = $false }) } }
        $guest = Get-LocalUser | Where-Object { $_.SID.Value -like 'S-1-5-21-*-501' }
        $guest.Name | Should -Be 'Gast'
        { Get-LocalUser -Name Guest -ErrorAction Stop } | Should -Throw -ErrorId 'UserNotFound*'
        Enable-LocalUser -SID $guest.SID
        (Get-LocalUser -Name Gast).Enabled | Should -BeTrue
    }

    It 'refuses a denied account, and reports the domain role by CIM' {
        $script:statePath = New-TestModel -Role dc -State @{ denied = @('user:Guest') }
        { Enable-LocalUser -Name Guest -ErrorAction Stop } | Should -Throw -ErrorId 'AccessDenied*'
        (Get-CimInstance -ClassName Win32_ComputerSystem).DomainRole | Should -Be 5
    }
}

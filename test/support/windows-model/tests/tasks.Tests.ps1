BeforeAll { . (Join-Path $PSScriptRoot 'ModelTestSetup.ps1') }

Describe 'scheduled task model' {
    AfterEach { Remove-Item -LiteralPath $script:statePath -ErrorAction Ignore }

    It 'registers, finds, exports, re-registers from XML and unregisters a task' {
        $script:statePath = New-TestModel
        $action = New-ScheduledTaskAction -Execute 'cmd.exe' -Argument '/c exit 0'
        Register-ScheduledTask -TaskName T -TaskPath '\Vendor\' -Action $action -Trigger (New-ScheduledTaskTrigger -AtLogOn) | Out-Null
        (Get-ScheduledTask -TaskName T -TaskPath '\Vendor\').Actions.Execute | Should -Be 'cmd.exe'
        $xml = Export-ScheduledTask -TaskName T -TaskPath '\Vendor\'
        Unregister-ScheduledTask -TaskName T -TaskPath '\Vendor\' -Confirm:$false
        Register-ScheduledTask -Xml $xml -TaskName T -TaskPath '\Vendor\' | Out-Null
        Export-ScheduledTask -TaskName T -TaskPath '\Vendor\' | Should -BeExactly $xml
    }

    It 'says ObjectNotFound for a missing task, and something else when CIM fails' {
        $script:statePath = New-TestModel
        $missing = { Get-ScheduledTask -TaskName Nope -TaskPath '\' -ErrorAction Stop } | Should -Throw -PassThru
        $missing.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        Remove-Item -LiteralPath $script:statePath
        $script:statePath = New-TestModel -State @{ cimFailure = @('MSFT_ScheduledTask') }
        $broken = { Get-ScheduledTask -TaskName Nope -TaskPath '\' -ErrorAction Stop } | Should -Throw -PassThru
        $broken.CategoryInfo.Category | Should -Not -Be 'ObjectNotFound'
    }

    It 'refuses to register over an existing task without -Force' {
        $script:statePath = New-TestModel
        $action = New-ScheduledTaskAction -Execute 'cmd.exe'
        { Register-ScheduledTask -TaskName ScheduledDefrag -TaskPath '\Microsoft\Windows\Defrag\' -Action $action -Trigger (New-ScheduledTaskTrigger -AtStartup) -ErrorAction Stop } | Should -Throw -ErrorId 'HRESULT 0x800700b7*'
    }
}

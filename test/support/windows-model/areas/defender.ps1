# Microsoft Defender Antivirus, as its Defender module (ConfigDefender) shows it.
# State: defender = @{ installed; antivirusEnabled; exclusionPath = @() }.
# - installed $false: Windows Server without the Defender feature: the Mp cmdlets do not exist.
# - antivirusEnabled $false: another antivirus is active, Defender is passive: Get-MpComputerStatus
#   says AntivirusEnabled False. With the WinDefend service (services area) not running, the other
#   Mp cmdlets fail with HRESULT 0x800106ba.
# - unreadable 'defender:exclusions': a non-administrator reads ExclusionPath as the single string
#   "N/A: Must be an administrator to view exclusions" instead of the list.
# Sources:
#  Get-MpPreference    https://learn.microsoft.com/en-us/powershell/module/defender/get-mppreference
#  Add-MpPreference    https://learn.microsoft.com/en-us/powershell/module/defender/add-mppreference
#  Remove-MpPreference https://learn.microsoft.com/en-us/powershell/module/defender/remove-mppreference
#  Get-MpComputerStatus https://learn.microsoft.com/en-us/powershell/module/defender/get-mpcomputerstatus
#  Defender on Windows Server https://learn.microsoft.com/en-us/defender-endpoint/microsoft-defender-antivirus-on-windows-server

Register-ModelArea -Name defender -Baseline {
    param($role)
    @{ installed = $true; antivirusEnabled = $true; exclusionPath = @() }
} -OnLoad {
    # The cmdlets exist only where the feature is installed: define them in the caller's (global) scope then.
    if (-not (Get-ModelArea defender).installed) { return }
    foreach ($name in 'Get-MpPreference', 'Add-MpPreference', 'Remove-MpPreference', 'Get-MpComputerStatus') {
        Set-Item -LiteralPath "Function:\global:$name" -Value (Get-Item -LiteralPath "Function:\$($name -replace '-', '-Model')").ScriptBlock
    }
}

function Test-ModelDefenderRunning {
    param($Cmdlet, [string]$Command)
    $service = Find-ModelService WinDefend
    if ($null -ne $service -and $service.State.status -eq 'Running') { return $true }
    $Cmdlet.WriteError((New-ModelErrorRecord ([System.Runtime.InteropServices.COMException]::new('Operation failed with the following error: 0x800106ba')) "HRESULT 0x800106ba,$Command" NotSpecified $null))
    return $false
}

function Get-ModelMpPreference {
    [CmdletBinding()]
    param()
    if (-not (Test-ModelDefenderRunning $PSCmdlet 'Get-MpPreference')) { return }
    $paths = @((Get-ModelArea defender).exclusionPath)
    if (Test-ModelUnreadable 'defender:exclusions') { $paths = @('N/A: Must be an administrator to view exclusions') }
    # An empty list reads as $null, as MSFT_MpPreference returns it.
    [pscustomobject]@{ ExclusionPath = $(if ($paths.Count -gt 0) { [string[]]$paths } else { $null }); DisableRealtimeMonitoring = $false }
}

function Add-ModelMpPreference {
    [CmdletBinding()]
    param([string[]]$ExclusionPath)
    if (-not (Test-ModelDefenderRunning $PSCmdlet 'Add-MpPreference')) { return }
    if (Test-ModelDenied 'defender') { $PSCmdlet.WriteError((New-ModelErrorRecord ([System.UnauthorizedAccessException]::new('Operation failed with the following error: 0x80070005')) 'HRESULT 0x80070005,Add-MpPreference' PermissionDenied $null)); return }
    $state = Get-ModelArea defender
    foreach ($path in $ExclusionPath) { if (@($state.exclusionPath) -notcontains $path) { $state.exclusionPath = @($state.exclusionPath) + $path } }
    Save-WindowsModel
}

function Remove-ModelMpPreference {
    [CmdletBinding()]
    param([string[]]$ExclusionPath)
    if (-not (Test-ModelDefenderRunning $PSCmdlet 'Remove-MpPreference')) { return }
    if (Test-ModelDenied 'defender') { $PSCmdlet.WriteError((New-ModelErrorRecord ([System.UnauthorizedAccessException]::new('Operation failed with the following error: 0x80070005')) 'HRESULT 0x80070005,Remove-MpPreference' PermissionDenied $null)); return }
    $state = Get-ModelArea defender
    $state.exclusionPath = @(@($state.exclusionPath) | Where-Object { $ExclusionPath -notcontains $_ })
    Save-WindowsModel
}

function Get-ModelMpComputerStatus {
    [CmdletBinding()]
    param()
    $enabled = [bool](Get-ModelArea defender).antivirusEnabled
    [pscustomobject]@{ AntivirusEnabled = $enabled; AMServiceEnabled = $enabled; RealTimeProtectionEnabled = $enabled }
}

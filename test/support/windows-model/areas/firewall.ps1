# Windows Defender Firewall profiles (NetSecurity module), as the firewall fault uses them.
#
# Sources (learn.microsoft.com):
# - "Get-NetFirewallProfile" / "Set-NetFirewallProfile" (powershell/module/netsecurity):
#   without -PolicyStore both read and write the local PersistentStore; "To view enforced
#   settings, view ... the ActiveStore policy store" ("Get-NetFirewallSetting").
# - "Show-NetFirewallRule": "The ActiveStore is a collection of all of the policy stores that
#   apply to the computer", so it is read-only.
# - [MS-FASP] 2.2.1 FW_STORE_TYPE: the GP_RSOP store holds what the Group Policy objects set and
#   is read-only; the LOCAL store is read/write.
# - GpoBoolean (True/False/NotConfigured): a GPO value that is not NotConfigured wins over the
#   local one in the ActiveStore; a NotConfigured local Enabled means the default, on.
#
# State: firewall.profiles.<Name> = @{ local = 'True'|'False'|'NotConfigured'; gpo = same }.
# Resources: 'firewall:<Name>' in denied/unreadable; CIM class MSFT_NetFirewallProfile in cimFailure.

enum GpoBoolean { False = 0; True = 1; NotConfigured = 2 }

Register-ModelArea -Name firewall -Baseline {
    param($role)
    $profiles = [ordered]@{}
    foreach ($name in 'Domain', 'Private', 'Public') { $profiles[$name] = @{ local = 'True'; gpo = 'NotConfigured' } }
    @{ profiles = $profiles }
}

function Get-NetModelFirewallStore {
    param([string]$PolicyStore)
    if ([string]::IsNullOrEmpty($PolicyStore) -or $PolicyStore -eq 'PersistentStore' -or $PolicyStore -eq 'localhost') { return 'local' }
    if ($PolicyStore -eq 'ActiveStore') { return 'active' }
    if ($PolicyStore -eq 'RSOP') { return 'gpo' }
    return $null
}

function Get-NetFirewallProfile {
    [CmdletBinding(DefaultParameterSetName = 'All')]
    param(
        [Parameter(ParameterSetName = 'ByName', Mandatory, Position = 0)][string[]]$Name,
        [Parameter(ParameterSetName = 'All')][switch]$All,
        [string]$PolicyStore
    )
    $store = Get-NetModelFirewallStore $PolicyStore
    if ($null -eq $store) {
        # A GPO store name ("domain/gpo") is outside the model: say so rather than answer.
        $PSCmdlet.ThrowTerminatingError((New-ModelErrorRecord -Exception ([System.NotSupportedException]::new("the Windows model has no policy store '$PolicyStore'")) -ErrorId 'ModelUnsupported' -Category NotImplemented))
    }
    if (Test-NetModelCimFails $PSCmdlet 'MSFT_NetFirewallProfile' 'Get-NetFirewallProfile') { return }
    $profiles = (Get-ModelArea firewall)['profiles']
    $names = if ($PSCmdlet.ParameterSetName -eq 'ByName') { $Name } else { @($profiles.Keys) }
    foreach ($wanted in $names) {
        $key = @($profiles.Keys) | Where-Object { $_ -eq $wanted } | Select-Object -First 1
        if ($null -eq $key) {
            Write-NetModelNotFound $PSCmdlet 'MSFT_NetFirewallProfile' 'Name' $wanted 'Get-NetFirewallProfile'
            continue
        }
        if (Test-NetModelUnreadable $PSCmdlet "firewall:$key" 'Get-NetFirewallProfile') { continue }
        $entry = $profiles[$key]
        $enabled = switch ($store) {
            'local' { $entry['local'] }
            'gpo' { $entry['gpo'] }
            'active' { if ($entry['gpo'] -ne 'NotConfigured') { $entry['gpo'] } elseif ($entry['local'] -ne 'NotConfigured') { $entry['local'] } else { 'True' } }
        }
        [pscustomobject]@{ PSTypeName = 'Microsoft.Management.Infrastructure.CimInstance#root/standardcimv2/MSFT_NetFirewallProfile'; Name = $key; Enabled = [GpoBoolean]$enabled }
    }
}

function Set-NetFirewallProfile {
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [Parameter(Mandatory, Position = 0)][string[]]$Name,
        [GpoBoolean]$Enabled,
        [string]$PolicyStore
    )
    $store = Get-NetModelFirewallStore $PolicyStore
    if ($store -ne 'local') {
        # ActiveStore and RSOP are read-only ([MS-FASP] 2.2.1); GPO stores are outside the model.
        $PSCmdlet.ThrowTerminatingError((New-ModelErrorRecord -Exception ([System.UnauthorizedAccessException]::new('Access is denied.')) -ErrorId 'Windows System Error 5' -Category PermissionDenied))
    }
    if (Test-NetModelCimFails $PSCmdlet 'MSFT_NetFirewallProfile' 'Set-NetFirewallProfile') { return }
    $profiles = (Get-ModelArea firewall)['profiles']
    foreach ($wanted in $Name) {
        $key = @($profiles.Keys) | Where-Object { $_ -eq $wanted } | Select-Object -First 1
        if ($null -eq $key) { Write-NetModelNotFound $PSCmdlet 'MSFT_NetFirewallProfile' 'Name' $wanted 'Set-NetFirewallProfile'; continue }
        if (Test-NetModelDenied $PSCmdlet "firewall:$key" 'Set-NetFirewallProfile') { continue }
        if ($PSBoundParameters.ContainsKey('Enabled') -and $PSCmdlet.ShouldProcess($key)) {
            $profiles[$key]['local'] = [string]$Enabled
            Save-WindowsModel
        }
    }
}

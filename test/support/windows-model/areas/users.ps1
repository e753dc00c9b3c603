# Local accounts, as Microsoft.PowerShell.LocalAccounts shows them, and the host's domain role.
# State: users = { list = @( @{ name; rid; enabled } ) }, the machine SID below. Built-in accounts
# have well-known RIDs (500 Administrator, 501 Guest, 503 DefaultAccount, 504 WDAGUtilityAccount);
# their names are localised ("Invité", "Gast", "Invitado") and may be renamed, so scripts find them by SID.
# Sources:
#  Get-LocalUser     https://learn.microsoft.com/en-us/powershell/module/microsoft.powershell.localaccounts/get-localuser?view=powershell-5.1
#  Enable-LocalUser  https://learn.microsoft.com/en-us/powershell/module/microsoft.powershell.localaccounts/enable-localuser?view=powershell-5.1
#  Well-known SIDs   https://learn.microsoft.com/en-us/windows-server/identity/ad-ds/manage/understand-security-identifiers
#  Win32_ComputerSystem.DomainRole https://learn.microsoft.com/en-us/windows/win32/cimwin32prov/win32-computersystem
# `unreadable: ['user:*']` makes Get-LocalUser fail as it does when the SAM cannot be read;
# `denied: ['user:<name>']` refuses Enable-/Disable-LocalUser ("Access denied.").

$script:MachineSid = 'S-1-5-21-1004336348-1177238915-682003330'

# A SecurityIdentifier: Value is the SDDL form, and it prints as that.
class ModelSecurityIdentifier {
    [string]$Value
    [string] ToString() { return $this.Value }
}

class ModelLocalUser {
    [string]$Name
    [bool]$Enabled
    [ModelSecurityIdentifier]$SID
    [string]$Description
    [string]$PrincipalSource = 'Local'
    [string]$ObjectClass = 'User'
}

Register-ModelArea -Name users -Baseline {
    param($role)
    @{ list = @(
            @{ name = 'Administrator'; rid = 500; enabled = $true }
            @{ name = 'Guest'; rid = 501; enabled = $false }
            @{ name = 'DefaultAccount'; rid = 503; enabled = $false }
            @{ name = 'WDAGUtilityAccount'; rid = 504; enabled = $false }
        ) }
}

function New-ModelLocalUser {
    param($User)
    $object = [ModelLocalUser]::new()
    $object.Name = $User.name; $object.Enabled = $User.enabled
    $object.SID = [ModelSecurityIdentifier]@{ Value = "$script:MachineSid-$($User.rid)" }
    return $object
}

function Find-ModelLocalUsers {
    param($Cmdlet, [string]$Command, [string[]]$Name, [object[]]$SID)
    if (Test-ModelUnreadable 'user:*') {
        $Cmdlet.WriteError((New-ModelErrorRecord ([System.UnauthorizedAccessException]::new('Access denied.')) "AccessDenied,Microsoft.PowerShell.Commands.$Command" PermissionDenied $null))
        return
    }
    $list = @((Get-ModelArea users).list)
    if (-not $Name -and -not $SID) { return $list }
    foreach ($one in $Name) {
        $found = @($list | Where-Object { $_.name -like $one })
        if ($found.Count -eq 0) { $Cmdlet.WriteError((New-ModelErrorRecord ([System.Management.Automation.ItemNotFoundException]::new("User $one was not found.")) "UserNotFound,Microsoft.PowerShell.Commands.$Command" ObjectNotFound $one)) }
        $found
    }
    foreach ($one in $SID) {
        $text = if ($one -is [ModelSecurityIdentifier]) { $one.Value } else { [string]$one }
        $found = @($list | Where-Object { "$script:MachineSid-$($_.rid)" -eq $text })
        if ($found.Count -eq 0) { $Cmdlet.WriteError((New-ModelErrorRecord ([System.Management.Automation.ItemNotFoundException]::new("User $text was not found.")) "UserNotFound,Microsoft.PowerShell.Commands.$Command" ObjectNotFound $text)) }
        $found
    }
}

function Get-LocalUser {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Name, [object[]]$SID)
    foreach ($user in Find-ModelLocalUsers $PSCmdlet 'GetLocalUserCommand' $Name $SID) { New-ModelLocalUser $user }
}

function Set-ModelLocalUserEnabled {
    param($Cmdlet, [string]$Command, [string[]]$Name, [object[]]$SID, [bool]$Enabled)
    foreach ($user in Find-ModelLocalUsers $Cmdlet $Command $Name $SID) {
        if (Test-ModelDenied "user:$($user.name)") {
            $Cmdlet.WriteError((New-ModelErrorRecord ([System.UnauthorizedAccessException]::new('Access denied.')) "AccessDenied,Microsoft.PowerShell.Commands.$Command" PermissionDenied $user.name))
            continue
        }
        $user.enabled = $Enabled
        Save-WindowsModel
    }
}

function Enable-LocalUser {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Name, [object[]]$SID)
    Set-ModelLocalUserEnabled $PSCmdlet 'EnableLocalUserCommand' $Name $SID $true
}

function Disable-LocalUser {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Name, [object[]]$SID)
    Set-ModelLocalUserEnabled $PSCmdlet 'DisableLocalUserCommand' $Name $SID $false
}

# DomainRole: 1 member workstation, 3 member server, 5 primary domain controller.
Register-ModelCimClass -Name Win32_ComputerSystem -Instances {
    $role = @{ ws = 1; srv = 3; dc = 5 }[(Get-ModelRole)]
    [pscustomobject]@{ Name = 'HOST01'; Domain = 'lab.example'; PartOfDomain = $true; DomainRole = [uint16]$role }
}

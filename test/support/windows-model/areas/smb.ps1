# The SMB server's signing settings (SmbShare module).
#
# Sources (learn.microsoft.com):
# - "Get-SmbServerConfiguration" / "Set-SmbServerConfiguration" (powershell/module/smbshare):
#   RequireSecuritySignature, EnableSecuritySignature; Set asks for confirmation unless -Force
#   ("Forces the command to run without asking for user confirmation"), so in a non-interactive
#   session without -Force it fails: the model declares ConfirmImpact High and lets PowerShell's
#   own ShouldProcess prompt (and its NonInteractive refusal) happen.
# - "Overview of Server Message Block signing" (troubleshoot/windows-server/networking): domain
#   controllers require signing by default ("Microsoft network server: Digitally sign
#   communications (always)" in the Default Domain Controllers Policy); member servers and
#   workstations do not (Windows 11 24H2 / Server 2025 changed that default: the model follows
#   the lab's Server 2022-era hosts).
#
# State: smb = @{ requireSignature; enableSignature }. Resource 'smb:server' (denied/unreadable);
# CIM class MSFT_SmbServerConfiguration (cimFailure).

Register-ModelArea -Name smb -Baseline {
    param($role)
    @{ requireSignature = ($role -eq 'dc'); enableSignature = $true }
}

function Get-SmbServerConfiguration {
    [CmdletBinding()]
    param()
    if (Test-NetModelCimFails $PSCmdlet 'MSFT_SmbServerConfiguration' 'Get-SmbServerConfiguration') { return }
    if (Test-NetModelUnreadable $PSCmdlet 'smb:server' 'Get-SmbServerConfiguration') { return }
    $smb = Get-ModelArea smb
    [pscustomobject]@{ RequireSecuritySignature = [bool]$smb['requireSignature']; EnableSecuritySignature = [bool]$smb['enableSignature'] }
}

function Set-SmbServerConfiguration {
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    param([bool]$RequireSecuritySignature, [bool]$EnableSecuritySignature, [switch]$Force)
    if (Test-NetModelCimFails $PSCmdlet 'MSFT_SmbServerConfiguration' 'Set-SmbServerConfiguration') { return }
    if (Test-NetModelDenied $PSCmdlet 'smb:server' 'Set-SmbServerConfiguration') { return }
    if (-not ($Force -or $PSCmdlet.ShouldProcess('SMB Server Configuration', 'Modify'))) { return }
    $smb = Get-ModelArea smb
    if ($PSBoundParameters.ContainsKey('RequireSecuritySignature')) { $smb['requireSignature'] = $RequireSecuritySignature }
    if ($PSBoundParameters.ContainsKey('EnableSecuritySignature')) { $smb['enableSignature'] = $EnableSecuritySignature }
    Save-WindowsModel
}

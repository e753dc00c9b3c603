# Services, as the Service Control Manager keeps them and Windows PowerShell 5.1's cmdlets show them.
# State: services = { Name = @{ displayName; status 'Running'|'Stopped'; startType; delayed; dependsOn = @() } }
# startType is the SCM start type (Automatic, Manual, Disabled, Boot, System); `delayed` is the separate
# delayed-auto-start flag (SERVICE_DELAYED_AUTO_START_INFO), which counts only for Automatic.
# Sources:
#  Get-Service   https://learn.microsoft.com/en-us/powershell/module/microsoft.powershell.management/get-service?view=powershell-5.1
#  Stop-Service  https://learn.microsoft.com/en-us/powershell/module/microsoft.powershell.management/stop-service?view=powershell-5.1
#  Start-Service https://learn.microsoft.com/en-us/powershell/module/microsoft.powershell.management/start-service?view=powershell-5.1
#  Set-Service   https://learn.microsoft.com/en-us/powershell/module/microsoft.powershell.management/set-service?view=powershell-5.1
#  sc.exe config https://learn.microsoft.com/en-us/windows-server/administration/windows-commands/sc-config
#  SERVICE_DELAYED_AUTO_START_INFO https://learn.microsoft.com/en-us/windows/win32/api/winsvc/ns-winsvc-service_delayed_auto_start_info
#  Win32_Service https://learn.microsoft.com/en-us/windows/win32/cimwin32prov/win32-service

enum ModelServiceStatus { Stopped = 1; StartPending = 2; StopPending = 3; Running = 4; ContinuePending = 5; PausePending = 6; Paused = 7 }
enum ModelServiceStartMode { Boot = 0; System = 1; Automatic = 2; Manual = 3; Disabled = 4 }

# A ServiceController as Get-Service returns it: a class, so that under ConstrainedLanguage its
# methods are refused as System.ServiceProcess.ServiceController's are on Windows.
class ModelServiceController {
    [string]$Name
    [string]$ServiceName
    [string]$DisplayName
    [ModelServiceStatus]$Status
    [ModelServiceStartMode]$StartType
}

Register-ModelArea -Name services -Baseline {
    param($role)
    $svc = { param($display, $status, $start, $dependsOn = @(), $delayed = $false) @{ displayName = $display; status = $status; startType = $start; delayed = $delayed; dependsOn = @($dependsOn) } }
    $all = @{
        RpcSs = & $svc 'Remote Procedure Call (RPC)' Running Automatic
        SamSS = & $svc 'Security Accounts Manager' Running Automatic @('RpcSs')
        LanmanWorkstation = & $svc 'Workstation' Running Automatic
        LanmanServer = & $svc 'Server' Running Automatic @('SamSS')
        # Netlogon needs both SMB services (sc qc Netlogon: DEPENDENCIES LanmanWorkstation, LanmanServer).
        Netlogon = & $svc 'Netlogon' Running Automatic @('LanmanWorkstation', 'LanmanServer')
        W32Time = & $svc 'Windows Time' Running $(if ($role -eq 'dc') { 'Automatic' } else { 'Manual' })
        # WinRM ships as Automatic (Delayed Start) on Windows Server.
        WinRM = & $svc 'Windows Remote Management (WS-Management)' Running Automatic @('RpcSs') ($role -ne 'ws')
        WinDefend = & $svc 'Microsoft Defender Antivirus Service' Running Automatic @('RpcSs')
        Spooler = & $svc 'Print Spooler' Running Automatic @('RpcSs')
        # BITS: Automatic (Delayed Start) on Windows 10, Manual on Windows Server.
        BITS = $(if ($role -eq 'ws') { & $svc 'Background Intelligent Transfer Service' Running Automatic @('RpcSs') $true } else { & $svc 'Background Intelligent Transfer Service' Stopped Manual @('RpcSs') })
    }
    if ($role -eq 'dc') {
        $all['NTDS'] = & $svc 'Active Directory Domain Services' Running Automatic @('RpcSs')
        $all['Kdc'] = & $svc 'Kerberos Key Distribution Center' Running Automatic @('SamSS')
        $all['DNS'] = & $svc 'DNS Server' Running Automatic @('RpcSs', 'NTDS')
        $all['IsmServ'] = & $svc 'Intersite Messaging' Running Automatic @('RpcSs', 'NTDS')
    }
    $all
}

function Find-ModelService {
    param([string]$Name)
    $services = Get-ModelArea services
    $found = Find-ModelKey $services $Name
    if ($null -eq $found) { return $null }
    return @{ Name = $found; State = $services[$found] }
}

# Every service that needs this one, directly or through another: what the SCM's
# EnumDependentServices (and so ServiceController.DependentServices) lists.
# https://learn.microsoft.com/en-us/windows/win32/api/winsvc/nf-winsvc-enumdependentservicesw
function Get-ModelServiceDependents {
    param([string]$Name)
    $services = Get-ModelArea services
    $direct = @($services.Keys | Where-Object { @($services[$_].dependsOn) -contains $Name })
    $all = [System.Collections.Generic.List[string]]::new()
    foreach ($one in $direct) {
        foreach ($deeper in @(Get-ModelServiceDependents $one) + $one) { if (-not $all.Contains($deeper)) { $all.Add($deeper) } }
    }
    $all
}

function New-ModelServiceObject {
    param($Found)
    $object = [ModelServiceController]::new()
    $object.Name = $Found.Name; $object.ServiceName = $Found.Name; $object.DisplayName = $Found.State.displayName
    $object.Status = $Found.State.status; $object.StartType = $Found.State.startType
    $name = $Found.Name
    $object | Add-Member -MemberType ScriptProperty -Name DependentServices -Value { @(Get-ModelServiceDependents $this.Name | ForEach-Object { New-ModelServiceObject (Find-ModelService $_) }) }
    $object | Add-Member -MemberType ScriptProperty -Name ServicesDependedOn -Value { @((Find-ModelService $this.Name).State.dependsOn | ForEach-Object { New-ModelServiceObject (Find-ModelService $_) }) }
    return $object
}

function New-ModelServiceError {
    param([string]$Message, [string]$ErrorId, [System.Management.Automation.ErrorCategory]$Category, [string]$Command, $Target)
    New-ModelErrorRecord ([System.InvalidOperationException]::new($Message)) "$ErrorId,Microsoft.PowerShell.Commands.$Command" $Category $Target
}

function Resolve-ModelServices {
    param($Cmdlet, [string[]]$Name, [string]$Command)
    foreach ($one in $Name) {
        $found = Find-ModelService $one
        if ($null -ne $found -and (Test-ModelUnreadable "service:$($found.Name)")) {
            $Cmdlet.WriteError((New-ModelServiceError "Cannot open $one service on computer '.'." 'CouldNotGetService' PermissionDenied $Command $one))
        } elseif ($null -ne $found) {
            $found
        } elseif ($one -match '[*?]') {
            foreach ($key in @((Get-ModelArea services).Keys | Where-Object { $_ -like $one })) { Find-ModelService $key }
        } else {
            $Cmdlet.WriteError((New-ModelServiceError "Cannot find any service with service name '$one'." 'NoServiceFoundForGivenName' ObjectNotFound $Command $one))
        }
    }
}

function Get-Service {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Name = '*')
    foreach ($found in Resolve-ModelServices $PSCmdlet $Name 'GetServiceCommand') { New-ModelServiceObject $found }
}

function Stop-Service {
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)][string[]]$Name, [switch]$Force, [switch]$PassThru)
    foreach ($found in Resolve-ModelServices $PSCmdlet $Name 'StopServiceCommand') {
        $label = "$($found.State.displayName) ($($found.Name))"
        if (Test-ModelDenied "service:$($found.Name)") {
            $PSCmdlet.WriteError((New-ModelServiceError "Service '$label' cannot be stopped due to the following error: Cannot open $($found.Name) service on computer '.'." 'CouldNotStopService' CloseError 'StopServiceCommand' $found.Name))
            continue
        }
        $running = @(Get-ModelServiceDependents $found.Name | Where-Object { (Find-ModelService $_).State.status -ne 'Stopped' })
        # "-Force: Forces the cmdlet to stop a service even if that service has dependent services." Without it, running dependents refuse the stop.
        if ($running.Count -gt 0 -and -not $Force) {
            $PSCmdlet.WriteError((New-ModelServiceError "Cannot stop service '$label' because it has dependent services. It can only be stopped if the Force flag is set." 'ServiceHasDependentServices' InvalidOperation 'StopServiceCommand' $found.Name))
            continue
        }
        foreach ($dependent in $running) { (Find-ModelService $dependent).State.status = 'Stopped' }
        $found.State.status = 'Stopped'
        Save-WindowsModel
        if ($PassThru) { New-ModelServiceObject $found }
    }
}

# Starts what the service depends on first (the SCM starts dependencies), never its dependents.
function Start-ModelService {
    param($Cmdlet, $Found, [System.Collections.Generic.HashSet[string]]$Seen)
    if (-not $Seen.Add($Found.Name)) { return $true }
    $label = "$($Found.State.displayName) ($($Found.Name))"
    if ((Test-ModelDenied "service:$($Found.Name)") -or $Found.State.startType -eq 'Disabled') {
        $Cmdlet.WriteError((New-ModelServiceError "Service '$label' cannot be started due to the following error: Cannot start service $($Found.Name) on computer '.'." 'CouldNotStartService' OpenError 'StartServiceCommand' $Found.Name))
        return $false
    }
    foreach ($dependency in @($Found.State.dependsOn)) {
        if (-not (Start-ModelService $Cmdlet (Find-ModelService $dependency) $Seen)) { return $false }
    }
    $Found.State.status = 'Running'
    return $true
}

function Start-Service {
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)][string[]]$Name, [switch]$PassThru)
    foreach ($found in Resolve-ModelServices $PSCmdlet $Name 'StartServiceCommand') {
        $started = Start-ModelService $PSCmdlet $found ([System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::OrdinalIgnoreCase))
        Save-WindowsModel
        if ($started -and $PassThru) { New-ModelServiceObject $found }
    }
}

# Windows PowerShell 5.1's -StartupType takes Automatic, Boot, Disabled, Manual, System (ServiceStartMode);
# AutomaticDelayedStart exists only in PowerShell 6+. Changing the start type leaves the delayed flag as it is
# (5.1 calls ChangeServiceConfig, the flag is ChangeServiceConfig2's).
function Set-Service {
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)][string]$Name, [ValidateSet('Automatic', 'Boot', 'Disabled', 'Manual', 'System')][string]$StartupType, [string]$Status)
    foreach ($found in Resolve-ModelServices $PSCmdlet $Name 'SetServiceCommand') {
        if (Test-ModelDenied "service:$($found.Name)") {
            $PSCmdlet.WriteError((New-ModelServiceError "Service '$($found.State.displayName) ($($found.Name))' cannot be configured due to the following error: Access is denied" 'CouldNotSetService' PermissionDenied 'SetServiceCommand' $found.Name))
            continue
        }
        if ($StartupType) { $found.State.startType = $StartupType }
        if ($Status) { throw 'the Windows model does not take Set-Service -Status (use Start-Service / Stop-Service)' }
        Save-WindowsModel
    }
}

# sc.exe config <name> start= <boot|system|auto|demand|disabled|delayed-auto>: the way to set delayed
# auto-start that works from Windows PowerShell 5.1. `auto` clears the delayed flag, `delayed-auto` sets it.
# It prints "[SC] ChangeServiceConfig SUCCESS" and exits 0, or "[SC] OpenService FAILED <code>:" and
# exits with the Win32 error (5 access denied, 1060 no such service).
function sc.exe {
    $arguments = @($args)
    if ($arguments.Count -ne 4 -or $arguments[0] -ne 'config' -or $arguments[2] -ne 'start=') { throw "the Windows model runs only 'sc.exe config <name> start= <type>', not: sc.exe $arguments" }
    $modes = @{ boot = 'Boot'; system = 'System'; auto = 'Automatic'; demand = 'Manual'; disabled = 'Disabled'; 'delayed-auto' = 'Automatic' }
    $found = Find-ModelService $arguments[1]
    if ($null -eq $found) { '[SC] OpenService FAILED 1060:', '', 'The specified service does not exist as an installed service.'; $global:LASTEXITCODE = 1060; return }
    if (Test-ModelDenied "service:$($found.Name)") { '[SC] OpenService FAILED 5:', '', 'Access is denied.'; $global:LASTEXITCODE = 5; return }
    if (-not $modes.ContainsKey($arguments[3])) { "ERROR:  Invalid START= field"; $global:LASTEXITCODE = 1639; return }
    $found.State.startType = $modes[$arguments[3]]
    if ($arguments[3] -eq 'delayed-auto') { $found.State.delayed = $true } elseif ($arguments[3] -eq 'auto') { $found.State.delayed = $false }
    Save-WindowsModel
    '[SC] ChangeServiceConfig SUCCESS'
    $global:LASTEXITCODE = 0
}

# Win32_Service: State and StartMode as strings ('Auto', 'Manual', 'Disabled'), DelayedAutoStart (Windows 10 / Server 2016 on).
Register-ModelCimClass -Name Win32_Service -Instances {
    $services = Get-ModelArea services
    foreach ($name in @($services.Keys)) {
        $state = $services[$name]
        if (Test-ModelUnreadable "service:$name") { continue }
        $mode = @{ Automatic = 'Auto'; Manual = 'Manual'; Disabled = 'Disabled'; Boot = 'Boot'; System = 'System' }[$state.startType]
        [pscustomobject]@{ Name = $name; DisplayName = $state.displayName; State = $state.status; StartMode = $mode; DelayedAutoStart = [bool]$state.delayed }
    }
}

# Scheduled tasks, as the ScheduledTasks module (CIM class MSFT_ScheduledTask) shows them.
# State: tasks = { '\Path\Name' = @{ path; name; state 'Ready'|'Disabled'|'Running'; xml } }: the task's
# definition is its XML, which is what Export-ScheduledTask returns and Register-ScheduledTask -Xml takes.
# Sources:
#  Get-ScheduledTask        https://learn.microsoft.com/en-us/powershell/module/scheduledtasks/get-scheduledtask
#  Register-ScheduledTask   https://learn.microsoft.com/en-us/powershell/module/scheduledtasks/register-scheduledtask
#  Unregister-ScheduledTask https://learn.microsoft.com/en-us/powershell/module/scheduledtasks/unregister-scheduledtask
#  Export-ScheduledTask     https://learn.microsoft.com/en-us/powershell/module/scheduledtasks/export-scheduledtask
#  Task Scheduler schema    https://learn.microsoft.com/en-us/windows/win32/taskschd/task-scheduler-schema
# The module's cmdlets are CIM cmdlets: a lookup that matches nothing is the cmdletization error
# 'CmdletizationQuery_NotFound_TaskName' (ObjectNotFound); a broken Task Scheduler or WMI is a
# CimException with an HRESULT id. `cimFailure: ['MSFT_ScheduledTask']` models the latter,
# `denied: ['task:\Path\Name']` a task the caller may read but not change.

Register-ModelArea -Name tasks -Baseline {
    param($role)
    $task = { param($path, $name, $execute, $arguments, $trigger) @{ path = $path; name = $name; state = 'Ready'; xml = (ConvertTo-ModelTaskXml $execute $arguments $trigger) } }
    $all = @{}
    foreach ($one in @(
            (& $task '\Microsoft\Windows\Defrag\' 'ScheduledDefrag' '%windir%\system32\defrag.exe' '-c -h -o -$' 'weekly'),
            (& $task '\Microsoft\Windows\Time Synchronization\' 'SynchronizeTime' '%windir%\system32\sc.exe' 'start w32time task_started' 'weekly'),
            (& $task '\Microsoft\Windows\UpdateOrchestrator\' 'Schedule Scan' '%systemroot%\system32\usoclient.exe' 'StartScan' 'daily')
        )) { $all["$($one.path)$($one.name)"] = $one }
    $all
}

function ConvertTo-ModelTaskXml {
    param([string]$Execute, [string]$Arguments, [string]$Trigger)
    $escape = { param($text) [System.Security.SecurityElement]::Escape($text) }
    $triggerXml = switch ($Trigger) {
        'logon' { '<LogonTrigger><Enabled>true</Enabled></LogonTrigger>' }
        'startup' { '<BootTrigger><Enabled>true</Enabled></BootTrigger>' }
        'daily' { '<CalendarTrigger><StartBoundary>2026-01-01T03:00:00</StartBoundary><ScheduleByDay><DaysInterval>1</DaysInterval></ScheduleByDay></CalendarTrigger>' }
        'weekly' { '<CalendarTrigger><StartBoundary>2026-01-01T01:00:00</StartBoundary><ScheduleByWeek><WeeksInterval>1</WeeksInterval><DaysOfWeek><Wednesday /></DaysOfWeek></ScheduleByWeek></CalendarTrigger>' }
        default { throw "unknown trigger $Trigger" }
    }
    $argumentXml = if ($Arguments) { "<Arguments>$(& $escape $Arguments)</Arguments>" } else { '' }
    '<?xml version="1.0" encoding="UTF-16"?>' + "`r`n" +
    "<Task version=`"1.2`" xmlns=`"http://schemas.microsoft.com/windows/2004/02/mit/task`"><Triggers>$triggerXml</Triggers>" +
    "<Actions Context=`"Author`"><Exec><Command>$(& $escape $Execute)</Command>$argumentXml</Exec></Actions></Task>"
}

function Test-ModelTaskCim {
    param($Cmdlet, [string]$Command)
    if (-not (Test-ModelCimFailure 'MSFT_ScheduledTask')) { return $true }
    $Cmdlet.WriteError((New-ModelErrorRecord ([System.Runtime.InteropServices.COMException]::new('The RPC server is unavailable.')) "HRESULT 0x800706ba,$Command" NotSpecified 'MSFT_ScheduledTask'))
    return $false
}

function Find-ModelTask {
    param([string]$Name, [string]$Path)
    $tasks = Get-ModelArea tasks
    foreach ($key in @($tasks.Keys)) {
        $task = $tasks[$key]
        if (($Name -eq '' -or $task.name -like $Name) -and ($Path -eq '' -or $task.path -like $Path)) { $key }
    }
}

# An MSFT_ScheduledTask: its Actions (MSFT_TaskExecAction: Execute, Arguments) read from the task's XML.
function New-ModelTaskObject {
    param($Task)
    $document = [xml]$Task.xml
    $actions = @(foreach ($exec in @($document.Task.Actions.Exec)) {
            [pscustomobject]@{ PSTypeName = 'Microsoft.Management.Infrastructure.CimInstance#Root/Microsoft/Windows/TaskScheduler/MSFT_TaskExecAction'; Execute = $exec.Command; Arguments = $(if ($exec['Arguments']) { $exec.Arguments } else { $null }) }
        })
    [pscustomobject]@{ PSTypeName = 'Microsoft.Management.Infrastructure.CimInstance#Root/Microsoft/Windows/TaskScheduler/MSFT_ScheduledTask'; TaskName = $Task.name; TaskPath = $Task.path; State = $Task.state; Actions = $actions }
}

function Get-ScheduledTask {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$TaskName = @(''), [string[]]$TaskPath = @(''))
    if (-not (Test-ModelTaskCim $PSCmdlet 'Get-ScheduledTask')) { return }
    $keys = @(foreach ($name in $TaskName) { foreach ($path in $TaskPath) { Find-ModelTask $name $path } })
    if ($keys.Count -eq 0) {
        $property = if ($TaskName -ne '') { 'TaskName' } else { 'TaskPath' }
        $value = if ($TaskName -ne '') { $TaskName -join ', ' } else { $TaskPath -join ', ' }
        $PSCmdlet.WriteError((New-ModelErrorRecord ([System.Management.Automation.ItemNotFoundException]::new("No MSFT_ScheduledTask objects found with property '$property' equal to '$value'.  Verify the value of the property and retry.")) "CmdletizationQuery_NotFound_$property,Get-ScheduledTask" ObjectNotFound $value))
        return
    }
    foreach ($key in $keys | Select-Object -Unique) { New-ModelTaskObject (Get-ModelArea tasks)[$key] }
}

function Export-ScheduledTask {
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)][string]$TaskName, [string]$TaskPath = '\')
    if (-not (Test-ModelTaskCim $PSCmdlet 'Export-ScheduledTask')) { return }
    $key = @(Find-ModelTask ([WildcardPattern]::Escape($TaskName)) ([WildcardPattern]::Escape($TaskPath)))
    if ($key.Count -eq 0) { $PSCmdlet.WriteError((New-ModelErrorRecord ([System.IO.FileNotFoundException]::new('The system cannot find the file specified.')) 'HRESULT 0x80070002,Export-ScheduledTask' ObjectNotFound $TaskName)); return }
    (Get-ModelArea tasks)[$key[0]].xml
}

# New-ScheduledTaskAction / New-ScheduledTaskTrigger build objects that only Register-ScheduledTask reads.
function New-ScheduledTaskAction {
    param([Parameter(Mandatory)][string]$Execute, [string]$Argument, [string]$WorkingDirectory)
    [pscustomobject]@{ PSTypeName = 'ModelTaskAction'; Execute = $Execute; Arguments = $Argument }
}

function New-ScheduledTaskTrigger {
    param([switch]$AtLogOn, [switch]$AtStartup, [switch]$Daily, [datetime]$At)
    $kind = if ($AtLogOn) { 'logon' } elseif ($AtStartup) { 'startup' } elseif ($Daily -and $At) { 'daily' } else { throw 'the Windows model builds -AtLogOn, -AtStartup and -Daily -At triggers' }
    [pscustomobject]@{ PSTypeName = 'ModelTaskTrigger'; Kind = $kind }
}

function Register-ScheduledTask {
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)][string]$TaskName, [string]$TaskPath = '\', $Action, $Trigger, [string]$Xml, [switch]$Force)
    if (-not (Test-ModelTaskCim $PSCmdlet 'Register-ScheduledTask')) { return }
    if (Test-ModelDenied "task:$TaskPath$TaskName") { $PSCmdlet.WriteError((New-ModelErrorRecord ([System.UnauthorizedAccessException]::new('Access is denied.')) 'HRESULT 0x80070005,Register-ScheduledTask' PermissionDenied $TaskName)); return }
    $tasks = Get-ModelArea tasks
    $existing = Find-ModelKey $tasks "$TaskPath$TaskName"
    if ($null -ne $existing -and -not $Force) {
        $PSCmdlet.WriteError((New-ModelErrorRecord ([System.IO.IOException]::new('Cannot create a file when that file already exists.')) 'HRESULT 0x800700b7,Register-ScheduledTask' ResourceExists $TaskName))
        return
    }
    if (-not $Xml) {
        if ($null -eq $Action -or $null -eq $Trigger) { throw 'the Windows model registers a task from -Xml, or from one -Action and one -Trigger' }
        $Xml = ConvertTo-ModelTaskXml $Action.Execute $Action.Arguments $Trigger.Kind
    }
    if ($null -ne $existing) { $tasks.Remove($existing) }
    $tasks["$TaskPath$TaskName"] = @{ path = $TaskPath; name = $TaskName; state = 'Ready'; xml = $Xml }
    Save-WindowsModel
    New-ModelTaskObject $tasks["$TaskPath$TaskName"]
}

function Unregister-ScheduledTask {
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    param([Parameter(Mandatory, Position = 0)][string]$TaskName, [string]$TaskPath = '\')
    if (-not (Test-ModelTaskCim $PSCmdlet 'Unregister-ScheduledTask')) { return }
    $tasks = Get-ModelArea tasks
    $existing = Find-ModelKey $tasks "$TaskPath$TaskName"
    if ($null -eq $existing) {
        $PSCmdlet.WriteError((New-ModelErrorRecord ([System.Management.Automation.ItemNotFoundException]::new("No MSFT_ScheduledTask objects found with property 'TaskName' equal to '$TaskName'.  Verify the value of the property and retry.")) 'CmdletizationQuery_NotFound_TaskName,Unregister-ScheduledTask' ObjectNotFound $TaskName))
        return
    }
    if (Test-ModelDenied "task:$existing") { $PSCmdlet.WriteError((New-ModelErrorRecord ([System.UnauthorizedAccessException]::new('Access is denied.')) 'HRESULT 0x80070005,Unregister-ScheduledTask' PermissionDenied $TaskName)); return }
    # ConfirmImpact High: without -Confirm:$false a non-interactive session cannot answer the prompt.
    if (-not $PSCmdlet.ShouldProcess($existing, 'Unregister')) { return }
    $tasks.Remove($existing)
    Save-WindowsModel
}

# A model of the Windows state chaoslab's Windows faults touch, for real PowerShell 7
# on Linux. The cmdlets and tools the faults call (Get-NetFirewallProfile, the registry
# provider, Get-Service, auditpol.exe …) are defined by the area files in areas/, over
# one state document a test reads and sets as JSON. The module is loaded before the
# script under test, in FullLanguage, as Windows' own signed modules are; the script
# itself may then run in ConstrainedLanguage.
#
# Rules every area follows (docs/windows.md, "The Windows model"):
# - Behave as Windows does, from Microsoft's documentation, cited in a comment where
#   the behaviour is odd; never more convenient than Windows.
# - Errors are Windows' own: the exception type, FullyQualifiedErrorId, category and
#   message Windows gives, non-terminating where the cmdlet's are (so -ErrorAction works).
# - Every change is written through to the state file at once (a script may `exit`).
# - `denied` in the state lists resources (wildcards allowed, e.g. 'registry:HKLM:\SOFTWARE\Locked*',
#   'service:Netlogon') that the caller may read but not change; `unreadable` lists those
#   it may not even read; `cimFailure` lists CIM classes whose queries fail.

Set-StrictMode -Version 3.0

$script:StatePath = $null
$script:State = $null
$script:Areas = [ordered]@{}
$script:OnLoad = [ordered]@{}
$script:CimClasses = @{}

# Called by each area file: its name, and a script block that returns the area's
# baseline state (a hashtable) for a role: 'dc', 'srv' or 'ws'.
# -OnLoad (optional) runs once the state is loaded: an area whose commands exist only on
# some hosts (the Defender cmdlets) defines them there.
function Register-ModelArea {
    param([Parameter(Mandatory)][string]$Name, [Parameter(Mandatory)][scriptblock]$Baseline, [scriptblock]$OnLoad)
    $script:Areas[$Name] = $Baseline
    if ($OnLoad) { $script:OnLoad[$Name] = $OnLoad }
}

function Initialize-WindowsModel {
    param([Parameter(Mandatory)][string]$StatePath)
    $script:StatePath = $StatePath
    $script:State = Get-Content -Raw -LiteralPath $StatePath | ConvertFrom-Json -AsHashtable
    if ($null -eq $script:State) { $script:State = @{} }
    if (-not $script:State.ContainsKey('role')) { $script:State['role'] = 'srv' }
    foreach ($key in 'denied', 'unreadable', 'cimFailure') {
        if (-not $script:State.ContainsKey($key)) { $script:State[$key] = @() }
    }
    foreach ($name in $script:Areas.Keys) {
        if (-not $script:State.ContainsKey($name)) { $script:State[$name] = & $script:Areas[$name] $script:State['role'] }
    }
    Save-WindowsModel
    foreach ($name in $script:OnLoad.Keys) { & $script:OnLoad[$name] }
}

# The live state of one area (a hashtable: change it, then call Save-WindowsModel).
function Get-ModelArea {
    param([Parameter(Mandatory)][string]$Name)
    if ($null -eq $script:State) { throw 'the Windows model is not initialised (Initialize-WindowsModel)' }
    return $script:State[$Name]
}

function Get-ModelRole { return $script:State['role'] }

function Save-WindowsModel {
    $json = ConvertTo-Json -InputObject $script:State -Depth 32
    [System.IO.File]::WriteAllText($script:StatePath, $json)
}

function Test-ModelListed {
    param([string[]]$List, [string]$Resource)
    foreach ($pattern in @($List)) { if ($Resource -like $pattern) { return $true } }
    return $false
}

# True when the state says the caller may not change this resource ('registry:HKLM:\X', 'service:Name' …).
function Test-ModelDenied { param([Parameter(Mandatory)][string]$Resource) Test-ModelListed $script:State['denied'] $Resource }
# True when the caller may not even read it.
function Test-ModelUnreadable { param([Parameter(Mandatory)][string]$Resource) Test-ModelListed $script:State['unreadable'] $Resource }
function Test-ModelCimFailure { param([Parameter(Mandatory)][string]$Class) Test-ModelListed $script:State['cimFailure'] $Class }

# An ErrorRecord as a Windows cmdlet writes it; pass it to $PSCmdlet.WriteError (non-terminating)
# or $PSCmdlet.ThrowTerminatingError.
function New-ModelErrorRecord {
    param(
        [Parameter(Mandatory)][System.Exception]$Exception,
        [Parameter(Mandatory)][string]$ErrorId,
        [Parameter(Mandatory)][System.Management.Automation.ErrorCategory]$Category,
        [object]$Target
    )
    return [System.Management.Automation.ErrorRecord]::new($Exception, $ErrorId, $Category, $Target)
}

# CIM classes the areas answer (Win32_Service, Win32_ComputerSystem …): each area registers
# a script block that returns the class's instances; Get-CimInstance (below) filters them.
function Register-ModelCimClass {
    param([Parameter(Mandatory)][string]$Name, [Parameter(Mandatory)][scriptblock]$Instances)
    $script:CimClasses[$Name] = $Instances
}

# Get-CimInstance -ClassName X [-Filter "Prop='value'"]: the filter forms the faults use
# (one equality) are modelled; any other filter is refused rather than guessed. A class in
# `cimFailure` fails as a broken WMI repository does (0x80041010 'Invalid class' would be
# a missing class; a provider failure is 0x80041013 WBEM_E_PROVIDER_LOAD_FAILURE).
# https://learn.microsoft.com/en-us/powershell/module/cimcmdlets/get-ciminstance
# https://learn.microsoft.com/en-us/windows/win32/wmisdk/wmi-error-constants
function Get-CimInstance {
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)][Alias('Class')][string]$ClassName, [string]$Filter, [string]$Namespace = 'root/cimv2')
    if (Test-ModelCimFailure $ClassName) {
        $PSCmdlet.WriteError((New-ModelErrorRecord ([System.InvalidOperationException]::new('Provider load failure ')) 'HRESULT 0x80041013,Microsoft.Management.Infrastructure.CimCmdlets.GetCimInstanceCommand' NotSpecified $ClassName))
        return
    }
    if (-not $script:CimClasses.ContainsKey($ClassName)) {
        $PSCmdlet.WriteError((New-ModelErrorRecord ([System.InvalidOperationException]::new('Invalid class ')) 'HRESULT 0x80041010,Microsoft.Management.Infrastructure.CimCmdlets.GetCimInstanceCommand' MetadataError $ClassName))
        return
    }
    $all = @(& $script:CimClasses[$ClassName])
    if (-not $Filter) { return $all }
    if ($Filter -notmatch "^\s*(\w+)\s*=\s*'([^']*)'\s*$") { throw "the Windows model answers only Prop='value' filters, not: $Filter" }
    $property = $Matches[1]; $value = $Matches[2]
    return @($all | Where-Object { [string]$_.$property -eq $value })
}

# A case-insensitive lookup in a state hashtable (JSON hashtables are case-sensitive;
# Windows' names of services, registry keys and tasks are not). Returns the key as stored.
function Find-ModelKey {
    param($Table, [string]$Name)
    foreach ($key in @($Table.Keys)) { if ($key -eq $Name) { return $key } }
    return $null
}

foreach ($file in Get-ChildItem -LiteralPath (Join-Path $PSScriptRoot 'areas') -Filter '*.ps1' | Sort-Object Name) {
    . $file.FullName
}

Export-ModuleMember -Function *

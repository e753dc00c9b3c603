# The registry, as the PowerShell registry provider shows it.
# State: registry.keys = { 'HKEY_LOCAL_MACHINE\SOFTWARE\X' = @{ values = @{ name = @{ kind; data } } } }
# (the default value is the name ''). Data is stored raw: an ExpandString unexpanded,
# a DWord as the Int32 .NET returns, Binary as byte numbers, MultiString as a string list.
# Sources:
#  about_Registry_Provider  https://learn.microsoft.com/en-us/powershell/module/microsoft.powershell.core/about/about_registry_provider
#  RegistryValueKind        https://learn.microsoft.com/en-us/dotnet/api/microsoft.win32.registryvaluekind
#  RegistryKey.GetValue     https://learn.microsoft.com/en-us/dotnet/api/microsoft.win32.registrykey.getvalue
#  about_Language_Modes     https://learn.microsoft.com/en-us/powershell/module/microsoft.powershell.core/about/about_language_modes

# A RegistryKey as Get-Item returns it. A class (not a PSCustomObject): under ConstrainedLanguage
# PowerShell refuses its methods exactly as it refuses Microsoft.Win32.RegistryKey's on Windows
# ("Method invocation is supported only on core types in this language mode.").
class ModelRegistryKey {
    [string]$Name
    [string[]]$Property
    [int]$SubKeyCount
    [int]$ValueCount
    [string]$PSPath
    [string]$PSChildName
    hidden [hashtable]$Values

    [string[]] GetValueNames() { return [string[]]@($this.Values.Keys) }
    [string] GetValueKind([string]$name) {
        $found = Find-ModelKey $this.Values $name
        if ($null -eq $found) { throw [System.IO.IOException]::new('The system cannot find the file specified.') }
        return $this.Values[$found].kind
    }
    [object] GetValue([string]$name) { return $this.GetValue($name, $null, 'None') }
    [object] GetValue([string]$name, [object]$default) { return $this.GetValue($name, $default, 'None') }
    [object] GetValue([string]$name, [object]$default, [string]$options) {
        $found = Find-ModelKey $this.Values $name
        if ($null -eq $found) { return $default }
        return ConvertFrom-ModelRegistryData $this.Values[$found] ($options -ne 'DoNotExpandEnvironmentNames')
    }
}

Register-ModelArea -Name registry -Baseline {
    param($role)
    $run = @{}
    # Windows client editions start the Security notification icon from the Run key (an ExpandString).
    if ($role -eq 'ws') { $run['SecurityHealth'] = @{ kind = 'ExpandString'; data = '%windir%\system32\SecurityHealthSystray.exe' } }
    @{ keys = @{
        'HKEY_LOCAL_MACHINE\SOFTWARE' = @{ values = @{} }
        'HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft' = @{ values = @{} }
        'HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows' = @{ values = @{} }
        'HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion' = @{ values = @{ ProgramFilesDir = @{ kind = 'String'; data = 'C:\Program Files' } } }
        'HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Run' = @{ values = $run }
        'HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT' = @{ values = @{} }
        'HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion' = @{ values = @{
            ProductName = @{ kind = 'String'; data = $(if ($role -eq 'ws') { 'Windows 10 Enterprise' } else { 'Windows Server 2022 Datacenter' }) }
            CurrentBuildNumber = @{ kind = 'String'; data = '20348' }
            InstallDate = @{ kind = 'DWord'; data = 1700000000 }
            InstallTime = @{ kind = 'QWord'; data = 133444736000000000 }
            DigitalProductId = @{ kind = 'Binary'; data = @(164, 0, 0, 0, 3, 0, 0, 0) }
            PathName = @{ kind = 'String'; data = 'C:\Windows' }
        } }
        'HKEY_LOCAL_MACHINE\SYSTEM' = @{ values = @{} }
        'HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet' = @{ values = @{} }
        'HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control' = @{ values = @{} }
        'HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\ServiceGroupOrder' = @{ values = @{ List = @{ kind = 'MultiString'; data = @('System Reserved', 'Boot Bus Extender', 'System Bus Extender') } } }
        'HKEY_CURRENT_USER\SOFTWARE' = @{ values = @{} }
        'HKEY_CURRENT_USER\SOFTWARE\Microsoft' = @{ values = @{} }
        'HKEY_CURRENT_USER\SOFTWARE\Microsoft\Windows' = @{ values = @{} }
        'HKEY_CURRENT_USER\SOFTWARE\Microsoft\Windows\CurrentVersion' = @{ values = @{} }
        'HKEY_CURRENT_USER\SOFTWARE\Microsoft\Windows\CurrentVersion\Run' = @{ values = @{} }
        # LocalService's hive, loaded on every host (HKU\S-1-5-19).
        'HKEY_USERS\S-1-5-19' = @{ values = @{} }
        'HKEY_USERS\S-1-5-19\Software' = @{ values = @{} }
        'HKEY_CLASSES_ROOT\.txt' = @{ values = @{ '' = @{ kind = 'String'; data = 'txtfile' } } }
        'HKEY_CURRENT_CONFIG\Software' = @{ values = @{} }
    } }
}

$script:RegistryHives = [ordered]@{
    HKEY_LOCAL_MACHINE = 'HKLM'; HKEY_CURRENT_USER = 'HKCU'; HKEY_USERS = 'HKU'; HKEY_CLASSES_ROOT = 'HKCR'; HKEY_CURRENT_CONFIG = 'HKCC'
}

# What a process's environment gives ExpandEnvironmentStrings on a Windows host; a name it
# does not define stays as written (RegistryKey.GetValue expands only defined variables).
$script:WindowsEnvironment = @{
    SystemRoot = 'C:\Windows'; windir = 'C:\Windows'; SystemDrive = 'C:'; ProgramData = 'C:\ProgramData'
    ProgramFiles = 'C:\Program Files'; 'ProgramFiles(x86)' = 'C:\Program Files (x86)'; USERPROFILE = 'C:\Users\chaoslab'
}

# 'HKLM:\X', 'Registry::HKEY_LOCAL_MACHINE\X', 'Microsoft.PowerShell.Core\Registry::HKLM\X' →
# @{ Full = 'HKEY_LOCAL_MACHINE\X'; Shown = the path as the cmdlets print it } or $null for a
# path the registry provider does not own. PowerShell creates only the HKLM: and HKCU: drives
# (about_Registry_Provider); HKU:\ is an unknown drive there, as in the real cmdlet.
function Resolve-ModelRegistryPath {
    param([string]$Path)
    $rest = $null
    if ($Path -match '^(?i)(HKLM|HKCU):\\?(.*)$') {
        $hive = if ($Matches[1] -eq 'HKLM') { 'HKEY_LOCAL_MACHINE' } else { 'HKEY_CURRENT_USER' }
        $rest = $Matches[2]
    } elseif ($Path -match '^(?i)(Microsoft\.PowerShell\.Core\\)?Registry::(\w+)\\?(.*)$') {
        $hive = $null
        foreach ($long in $script:RegistryHives.Keys) {
            if ($Matches[2] -eq $long -or $Matches[2] -eq $script:RegistryHives[$long]) { $hive = $long }
        }
        if ($null -eq $hive) { return $null }
        $rest = $Matches[3]
    } else {
        return $null
    }
    $rest = $rest.TrimEnd('\')
    $full = if ($rest) { "$hive\$rest" } else { $hive }
    return @{ Full = $full; Shown = $Path; Short = "$($script:RegistryHives[$hive]):\$rest" }
}

function Test-ModelRegistryAccess {
    param($Resolved, [ValidateSet('read', 'write')][string]$Access)
    foreach ($form in "registry:$($Resolved.Full)", "registry:$($Resolved.Short)") {
        if (Test-ModelUnreadable $form) { return $false }
        if ($Access -eq 'write' -and (Test-ModelDenied $form)) { return $false }
    }
    return $true
}

# The error a registry cmdlet writes when the key's ACL refuses it: the provider reports the
# SecurityException of RegistryKey.OpenSubKey ("Requested registry access is not allowed.",
# category PermissionDenied, FullyQualifiedErrorId 'System.Security.SecurityException,<cmdlet>').
# https://learn.microsoft.com/en-us/dotnet/api/microsoft.win32.registrykey.opensubkey (Exceptions)
function New-ModelRegistryDenied {
    param($Resolved, [string]$Command)
    New-ModelErrorRecord ([System.Security.SecurityException]::new('Requested registry access is not allowed.')) "System.Security.SecurityException,Microsoft.PowerShell.Commands.$Command" PermissionDenied $Resolved.Full
}

function New-ModelRegistryNotFound {
    param($Resolved, [string]$Command)
    $exception = [System.Management.Automation.ItemNotFoundException]::new("Cannot find path '$($Resolved.Shown)' because it does not exist.")
    New-ModelErrorRecord $exception "PathNotFound,Microsoft.PowerShell.Commands.$Command" ObjectNotFound $Resolved.Shown
}

function Get-ModelRegistryKeyState {
    param($Resolved)
    $keys = (Get-ModelArea registry).keys
    $found = Find-ModelKey $keys $Resolved.Full
    if ($null -ne $found) { return $keys[$found] }
    # A hive root always exists.
    if ($Resolved.Full -notmatch '\\') { return @{ values = @{} } }
    return $null
}

function Get-ModelRegistrySubKeys {
    param([string]$Full)
    $prefix = "$Full\"
    @((Get-ModelArea registry).keys.Keys | Where-Object { $_.StartsWith($prefix, [System.StringComparison]::OrdinalIgnoreCase) -and $_.Substring($prefix.Length) -notmatch '\\' })
}

# Raw state data → what .NET returns: String/ExpandString [string] (expanded unless told not to),
# DWord [int], QWord [long], MultiString [string[]], Binary [byte[]].
function ConvertFrom-ModelRegistryData {
    param($Value, [bool]$Expand)
    switch ($Value.kind) {
        'String' { return [string]$Value.data }
        'ExpandString' {
            if (-not $Expand) { return [string]$Value.data }
            return [regex]::Replace([string]$Value.data, '%([^%]+)%', {
                    param($m)
                    $name = Find-ModelKey $script:WindowsEnvironment $m.Groups[1].Value
                    if ($null -eq $name) { $m.Value } else { $script:WindowsEnvironment[$name] }
                })
        }
        'DWord' { return [int]$Value.data }
        'QWord' { return [long]$Value.data }
        'MultiString' { return , [string[]]@($Value.data) }
        'Binary' { return , [byte[]]@($Value.data) }
    }
    throw "unknown registry kind $($Value.kind)"
}

# A value as New-ItemProperty/Set-ItemProperty store it for a -PropertyType (the provider converts
# the -Value to the kind's .NET type; a DWord above 0x7FFFFFFF is stored as the Int32 with the same bits).
function ConvertTo-ModelRegistryData {
    param($Value, [string]$Kind)
    switch ($Kind) {
        { $_ -in 'String', 'ExpandString' } { return [string]$Value }
        'DWord' { $number = [long]$Value; if ($number -gt [int]::MaxValue) { $number -= 4294967296 }; return [int]$number }
        'QWord' { return [long]$Value }
        'MultiString' { return , [object[]]@([string[]]@($Value)) }
        'Binary' { return , [object[]]@([byte[]]@($Value) | ForEach-Object { [int]$_ }) }
    }
    throw [System.Management.Automation.PSArgumentException]::new("The registry kind $Kind is not one the fault library uses (String, ExpandString, DWord, QWord, MultiString, Binary).")
}

function New-ModelRegistryKeyObject {
    param($Resolved, $KeyState)
    $key = [ModelRegistryKey]::new()
    $key.Name = $Resolved.Full
    $key.Values = $KeyState.values
    # The provider lists value names in Property, the default value as '(default)'.
    $key.Property = [string[]]@($KeyState.values.Keys | ForEach-Object { if ($_ -eq '') { '(default)' } else { $_ } })
    $key.ValueCount = $KeyState.values.Count
    $key.SubKeyCount = @(Get-ModelRegistrySubKeys $Resolved.Full).Count
    $key.PSPath = "Microsoft.PowerShell.Core\Registry::$($Resolved.Full)"
    $key.PSChildName = ($Resolved.Full -split '\\')[-1]
    return $key
}

# The cmdlets over this state are in registry-cmdlets.ps1 (loaded by the module with every area file).

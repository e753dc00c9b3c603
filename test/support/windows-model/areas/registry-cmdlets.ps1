# The registry provider's cmdlets, for registry paths (registry.ps1 holds the state and paths).
# Each is a function that shadows the built-in cmdlet for a registry path and hands any other
# path to the real cmdlet. Errors are the provider's own (see registry.ps1 for sources):
#   missing key    ItemNotFoundException  'PathNotFound,<cmdlet>'            ObjectNotFound
#   missing value  PSArgumentException    'System.Management.Automation.PSArgumentException,<cmdlet>' InvalidArgument
#   ACL refusal    SecurityException      'System.Security.SecurityException,<cmdlet>' PermissionDenied
# Behaviours the faults do not rely on and Microsoft does not document precisely (New-Item
# -Force over an existing key, wildcard registry paths) are refused, never guessed.

function Resolve-ModelRegistryArguments {
    param([hashtable]$Bound)
    $literal = $Bound.ContainsKey('LiteralPath')
    $paths = if ($literal) { $Bound['LiteralPath'] } else { $Bound['Path'] }
    # a path outside the registry resolves to $null: only registry paths count (two file paths are no registry call)
    $resolved = @(@($paths) | ForEach-Object { Resolve-ModelRegistryPath $_ } | Where-Object { $null -ne $_ })
    if ($resolved.Count -eq 0) { return $null }
    if ($resolved.Count -ne @($paths).Count) { throw 'the Windows model takes registry and other paths in separate calls' }
    if (-not $literal) { foreach ($path in @($paths)) { if ($path -match '[*?\[]') { throw "the Windows model does not expand wildcards in registry paths: $path" } } }
    return $resolved
}

function Get-Item {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Path, [string[]]$LiteralPath, [switch]$Force)
    $targets = Resolve-ModelRegistryArguments $PSBoundParameters
    if ($null -eq $targets) { return Microsoft.PowerShell.Management\Get-Item @PSBoundParameters }
    foreach ($target in $targets) {
        $state = Get-ModelRegistryKeyState $target
        if ($null -eq $state) { $PSCmdlet.WriteError((New-ModelRegistryNotFound $target 'GetItemCommand')); continue }
        if (-not (Test-ModelRegistryAccess $target read)) { $PSCmdlet.WriteError((New-ModelRegistryDenied $target 'GetItemCommand')); continue }
        New-ModelRegistryKeyObject $target $state
    }
}

function Test-Path {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Path, [string[]]$LiteralPath, [string]$PathType)
    $targets = Resolve-ModelRegistryArguments $PSBoundParameters
    if ($null -eq $targets) { return Microsoft.PowerShell.Management\Test-Path @PSBoundParameters }
    # A key that exists but may not be read still exists: the provider's ItemExists treats the
    # SecurityException of opening it as "there" (about_Registry_Provider: keys are containers).
    foreach ($target in $targets) { $null -ne (Get-ModelRegistryKeyState $target) -and $PathType -ne 'Leaf' }
}

function Get-ItemProperty {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Path, [string[]]$LiteralPath, [Parameter(Position = 1)][string[]]$Name)
    $targets = Resolve-ModelRegistryArguments $PSBoundParameters
    if ($null -eq $targets) { return Microsoft.PowerShell.Management\Get-ItemProperty @PSBoundParameters }
    foreach ($target in $targets) {
        $state = Get-ModelRegistryKeyState $target
        if ($null -eq $state) { $PSCmdlet.WriteError((New-ModelRegistryNotFound $target 'GetItemPropertyCommand')); continue }
        if (-not (Test-ModelRegistryAccess $target read)) { $PSCmdlet.WriteError((New-ModelRegistryDenied $target 'GetItemPropertyCommand')); continue }
        $result = [ordered]@{}
        $wanted = if ($Name) { $Name } else { @($state.values.Keys) }
        foreach ($one in $wanted) {
            $stored = Find-ModelKey $state.values $(if ($one -eq '(default)') { '' } else { $one })
            if ($null -eq $stored) {
                $PSCmdlet.WriteError((New-ModelErrorRecord ([System.Management.Automation.PSArgumentException]::new("Property $one does not exist at path $($target.Full).")) 'System.Management.Automation.PSArgumentException,Microsoft.PowerShell.Commands.GetItemPropertyCommand' InvalidArgument $one))
                continue
            }
            # Get-ItemProperty expands REG_EXPAND_SZ (it reads with RegistryKey.GetValue's default options).
            $result[$(if ($stored -eq '') { '(default)' } else { $stored })] = ConvertFrom-ModelRegistryData $state.values[$stored] $true
        }
        if ($Name -and $result.Count -eq 0) { continue }
        $parent = $target.Full.Substring(0, [Math]::Max(0, $target.Full.LastIndexOf('\')))
        $result['PSPath'] = "Microsoft.PowerShell.Core\Registry::$($target.Full)"
        $result['PSParentPath'] = "Microsoft.PowerShell.Core\Registry::$parent"
        $result['PSChildName'] = ($target.Full -split '\\')[-1]
        $result['PSProvider'] = 'Microsoft.PowerShell.Core\Registry'
        [pscustomobject]$result
    }
}

function New-Item {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Path, [string]$Name, [string]$ItemType, [object]$Value, [switch]$Force)
    $targets = Resolve-ModelRegistryArguments @{ LiteralPath = $Path }
    if ($null -eq $targets) { return Microsoft.PowerShell.Management\New-Item @PSBoundParameters }
    if ($Name) { throw 'the Windows model takes New-Item -Path with the whole key path, not -Name' }
    foreach ($target in $targets) {
        $keys = (Get-ModelArea registry).keys
        if ($null -ne (Get-ModelRegistryKeyState $target)) {
            if ($Force) { throw "New-Item -Force over the existing key $($target.Full) is not modelled" }
            $PSCmdlet.WriteError((New-ModelErrorRecord ([System.IO.IOException]::new('A key at this path already exists.')) 'System.IO.IOException,Microsoft.PowerShell.Commands.NewItemCommand' ResourceExists $target.Shown))
            continue
        }
        # Create the missing ancestors with -Force; without it a missing parent is "not found".
        $parts = $target.Full -split '\\'
        $chain = @(for ($i = 2; $i -le $parts.Count; $i++) { $parts[0..($i - 1)] -join '\' })
        $missing = @($chain | Where-Object { $null -eq (Find-ModelKey $keys $_) })
        if ($missing.Count -gt 1 -and -not $Force) {
            $parent = Resolve-ModelRegistryPath "Registry::$($chain[-2])"
            $PSCmdlet.WriteError((New-ModelRegistryNotFound $parent 'NewItemCommand'))
            continue
        }
        $firstExisting = if ($missing.Count -lt $chain.Count) { $chain[$chain.Count - $missing.Count - 1] } else { $parts[0] }
        if (-not (Test-ModelRegistryAccess (Resolve-ModelRegistryPath "Registry::$firstExisting") write)) {
            $PSCmdlet.WriteError((New-ModelRegistryDenied $target 'NewItemCommand'))
            continue
        }
        foreach ($key in $missing) { $keys[$key] = @{ values = @{} } }
        Save-WindowsModel
        New-ModelRegistryKeyObject $target $keys[(Find-ModelKey $keys $target.Full)]
    }
}

function Set-ModelRegistryValue {
    param($Cmdlet, [string]$Command, [string[]]$Path, [string[]]$LiteralPath, [string]$Name, $Value, [string]$Kind, [bool]$Create, [bool]$Force)
    $targets = if ($LiteralPath) { Resolve-ModelRegistryArguments @{ LiteralPath = $LiteralPath } } else { Resolve-ModelRegistryArguments @{ Path = $Path } }
    foreach ($target in $targets) {
        $state = Get-ModelRegistryKeyState $target
        if ($null -eq $state) { $Cmdlet.WriteError((New-ModelRegistryNotFound $target $Command)); continue }
        if (-not (Test-ModelRegistryAccess $target write)) { $Cmdlet.WriteError((New-ModelRegistryDenied $target $Command)); continue }
        $valueName = if ($Name -eq '(default)') { '' } else { $Name }
        $stored = Find-ModelKey $state.values $valueName
        if ($Create -and $null -ne $stored -and -not $Force) {
            $Cmdlet.WriteError((New-ModelErrorRecord ([System.IO.IOException]::new('The property already exists.')) "System.IO.IOException,Microsoft.PowerShell.Commands.$Command" ResourceExists $Name))
            continue
        }
        if (-not $Kind) {
            # Set-ItemProperty without -Type keeps an existing value's kind, else takes it from the .NET type.
            $Kind = if ($null -ne $stored) { $state.values[$stored].kind }
            elseif ($Value -is [int]) { 'DWord' } elseif ($Value -is [long]) { 'QWord' } elseif ($Value -is [byte[]]) { 'Binary' }
            elseif ($Value -is [array]) { 'MultiString' } else { 'String' }
        }
        if ($null -ne $stored -and $stored -cne $valueName) { $state.values.Remove($stored); $valueName = $stored }
        $state.values[$valueName] = @{ kind = $Kind; data = (ConvertTo-ModelRegistryData $Value $Kind) }
        Save-WindowsModel
        [pscustomobject]@{ $Name = ConvertFrom-ModelRegistryData $state.values[$valueName] $true; PSPath = "Microsoft.PowerShell.Core\Registry::$($target.Full)" }
    }
}

function New-ItemProperty {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Path, [string[]]$LiteralPath, [Parameter(Mandatory)][string]$Name, [object]$Value, [Alias('Type')][string]$PropertyType, [switch]$Force)
    if ($null -eq (Resolve-ModelRegistryArguments $PSBoundParameters)) { return Microsoft.PowerShell.Management\New-ItemProperty @PSBoundParameters }
    Set-ModelRegistryValue $PSCmdlet 'NewItemPropertyCommand' $Path $LiteralPath $Name $Value $(if ($PropertyType) { $PropertyType } else { 'String' }) $true $Force.IsPresent
}

function Set-ItemProperty {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Path, [string[]]$LiteralPath, [Parameter(Mandatory, Position = 1)][string]$Name, [Parameter(Position = 2)][object]$Value, [string]$Type, [switch]$Force)
    if ($null -eq (Resolve-ModelRegistryArguments $PSBoundParameters)) { return Microsoft.PowerShell.Management\Set-ItemProperty @PSBoundParameters }
    Set-ModelRegistryValue $PSCmdlet 'SetItemPropertyCommand' $Path $LiteralPath $Name $Value $Type $false $true | Out-Null
}

function Remove-ItemProperty {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Path, [string[]]$LiteralPath, [Parameter(Mandatory, Position = 1)][string[]]$Name, [switch]$Force)
    $targets = Resolve-ModelRegistryArguments $PSBoundParameters
    if ($null -eq $targets) { return Microsoft.PowerShell.Management\Remove-ItemProperty @PSBoundParameters }
    foreach ($target in $targets) {
        $state = Get-ModelRegistryKeyState $target
        if ($null -eq $state) { $PSCmdlet.WriteError((New-ModelRegistryNotFound $target 'RemoveItemPropertyCommand')); continue }
        if (-not (Test-ModelRegistryAccess $target write)) { $PSCmdlet.WriteError((New-ModelRegistryDenied $target 'RemoveItemPropertyCommand')); continue }
        foreach ($one in $Name) {
            $stored = Find-ModelKey $state.values $(if ($one -eq '(default)') { '' } else { $one })
            if ($null -eq $stored) {
                $PSCmdlet.WriteError((New-ModelErrorRecord ([System.Management.Automation.PSArgumentException]::new("Property $one does not exist at path $($target.Full).")) 'System.Management.Automation.PSArgumentException,Microsoft.PowerShell.Commands.RemoveItemPropertyCommand' InvalidArgument $one))
                continue
            }
            $state.values.Remove($stored)
            Save-WindowsModel
        }
    }
}

function Remove-Item {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Path, [string[]]$LiteralPath, [switch]$Recurse, [switch]$Force)
    $targets = Resolve-ModelRegistryArguments $PSBoundParameters
    if ($null -eq $targets) { return Microsoft.PowerShell.Management\Remove-Item @PSBoundParameters }
    foreach ($target in $targets) {
        $keys = (Get-ModelArea registry).keys
        $stored = Find-ModelKey $keys $target.Full
        if ($null -eq $stored) { $PSCmdlet.WriteError((New-ModelRegistryNotFound $target 'RemoveItemCommand')); continue }
        if (-not (Test-ModelRegistryAccess $target write)) { $PSCmdlet.WriteError((New-ModelRegistryDenied $target 'RemoveItemCommand')); continue }
        $children = @($keys.Keys | Where-Object { $_.StartsWith("$stored\", [System.StringComparison]::OrdinalIgnoreCase) })
        if ($children.Count -gt 0 -and -not $Recurse) {
            # Remove-Item asks before removing a key with subkeys; a non-interactive session cannot answer.
            $PSCmdlet.WriteError((New-ModelErrorRecord ([System.Management.Automation.PSInvalidOperationException]::new("The item at $($target.Shown) has children and the Recurse parameter was not specified.")) 'RemoveItemCommand' InvalidOperation $target.Shown))
            continue
        }
        foreach ($key in @($children) + $stored) { $keys.Remove($key) }
        Save-WindowsModel
    }
}

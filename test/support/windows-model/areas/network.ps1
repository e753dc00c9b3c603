# Network adapters, IP interfaces, routes and connection profiles (NetAdapter, NetTCPIP,
# NetConnection modules), plus the error helpers the network-and-security areas share.
#
# Sources (learn.microsoft.com, powershell/module/...):
# - "Get-NetAdapter", "Get-NetIPInterface" (one object per interface and address family; Dhcp,
#   InterfaceMetric), "Get-NetRoute" (RouteMetric and ifMetric: the metric a route is chosen by
#   is their sum, "Automatic Metric feature for IPv4 routes" in troubleshoot/windows-server/networking).
# - "Get-NetConnectionProfile" / "Set-NetConnectionProfile": -NetworkCategory takes Public or
#   Private; DomainAuthenticated is set by Windows itself when the network is authenticated to a
#   domain controller (NLA: "Domain-joined machines can't detect the domain profile",
#   troubleshoot/windows-client/networking); the model refuses to set it or to change it.
# - cdxml cmdlets queried by a property value that matches nothing write a non-terminating
#   ObjectNotFound error "No MSFT_<Class> objects found with property '<P>' equal to '<V>'."
#
# State: network.interfaces.<alias> = @{ index; guid; status; suffix; category; profileName;
#   ipv4 = @{ dhcp; metric; dnsStatic = @(); dnsDhcp = @() }; ipv6 = same }, network.routes = @(
#   @{ prefix; alias; nextHop; metric } ). DNS servers live here too (dns.ps1 serves them).
# Resources: 'network:<alias>' (denied/unreadable); CIM classes MSFT_NetAdapter, MSFT_NetIPInterface,
# MSFT_NetRoute, MSFT_NetConnectionProfile, MSFT_DNSClient, MSFT_DNSClientServerAddress (cimFailure).

enum NetworkCategory { Public = 0; Private = 1; DomainAuthenticated = 2 }
enum AddressFamily { IPv4 = 2; IPv6 = 23 }
enum Dhcp { Disabled = 0; Enabled = 1 }

function ConvertTo-NetModelAddressFamily { param([string]$Family) [AddressFamily]$Family }

function New-NetModelInterface {
    param([int]$Index, [string]$Suffix, [string]$Category, [string]$ProfileName, [hashtable]$IPv4, [hashtable]$IPv6)
    @{
        index = $Index; guid = ('{{{0:D8}-0000-4000-8000-00000000C1AB}}' -f $Index); status = 'Up'
        suffix = $Suffix; category = $Category; profileName = $ProfileName; ipv4 = $IPv4; ipv6 = $IPv6
    }
}

Register-ModelArea -Name network -Baseline {
    param($role)
    $dhcp6 = @{ dhcp = 'Enabled'; metric = 25; dnsStatic = @(); dnsDhcp = @() }
    if ($role -eq 'dc') {
        # Two NICs: a NAT one holding the default route at the lower metric, and the domain one
        # (static address, the DC's own DNS: 127.0.0.1 and ::1, as dcpromo leaves it).
        $nat = New-NetModelInterface -Index 6 -Suffix 'localdomain' -Category 'Public' -ProfileName 'Unidentified network' `
            -IPv4 @{ dhcp = 'Enabled'; metric = 15; dnsStatic = @(); dnsDhcp = @('10.0.2.3') } -IPv6 $dhcp6.Clone()
        $domain = New-NetModelInterface -Index 9 -Suffix 'lab.example' -Category 'DomainAuthenticated' -ProfileName 'lab.example' `
            -IPv4 @{ dhcp = 'Disabled'; metric = 25; dnsStatic = @('127.0.0.1'); dnsDhcp = @() } -IPv6 @{ dhcp = 'Enabled'; metric = 25; dnsStatic = @('::1'); dnsDhcp = @() }
        return @{
            interfaces = [ordered]@{ 'Ethernet' = $nat; 'Ethernet 2' = $domain }
            routes = @(
                @{ prefix = '0.0.0.0/0'; alias = 'Ethernet'; nextHop = '10.0.2.2'; metric = 0 },
                @{ prefix = '10.0.2.0/24'; alias = 'Ethernet'; nextHop = '0.0.0.0'; metric = 256 },
                @{ prefix = '10.10.0.0/24'; alias = 'Ethernet 2'; nextHop = '0.0.0.0'; metric = 256 }
            )
        }
    }
    # A member server or workstation: one domain NIC, address and DNS from DHCP (the DC's address).
    $nic = New-NetModelInterface -Index $(if ($role -eq 'ws') { 12 } else { 5 }) -Suffix 'lab.example' -Category 'DomainAuthenticated' -ProfileName 'lab.example' `
        -IPv4 @{ dhcp = 'Enabled'; metric = 25; dnsStatic = @(); dnsDhcp = @('10.10.0.10') } -IPv6 $dhcp6.Clone()
    @{
        interfaces = [ordered]@{ 'Ethernet' = $nic }
        routes = @(
            @{ prefix = '0.0.0.0/0'; alias = 'Ethernet'; nextHop = '10.10.0.1'; metric = 0 },
            @{ prefix = '10.10.0.0/24'; alias = 'Ethernet'; nextHop = '0.0.0.0'; metric = 256 }
        )
    }
}

# --- errors shared by the firewall, network, dns, smb areas ------------------------------------

function Write-NetModelNotFound {
    param($Cmdlet, [string]$Class, [string]$Property, [string]$Value, [string]$Command)
    $message = "No $Class objects found with property '$Property' equal to '$Value'.  Verify the value of the property and retry."
    $Cmdlet.WriteError((New-ModelErrorRecord -Exception ([System.Management.Automation.ItemNotFoundException]::new($message)) -ErrorId "CmdletizationQuery_NotFound_$Property" -Category ObjectNotFound -Target $Value))
}

# A CIM provider that fails (WBEM_E_PROVIDER_LOAD_FAILURE): a non-terminating error, no objects.
function Test-NetModelCimFails {
    param($Cmdlet, [string]$Class, [string]$Command)
    if (-not (Test-ModelCimFailure $Class)) { return $false }
    $Cmdlet.WriteError((New-ModelErrorRecord -Exception ([System.InvalidOperationException]::new('Provider load failure ')) -ErrorId "HRESULT 0x80041013" -Category NotSpecified -Target $Class))
    return $true
}

function Write-NetModelAccessDenied {
    param($Cmdlet, [string]$Command, [string]$Resource)
    $Cmdlet.WriteError((New-ModelErrorRecord -Exception ([System.UnauthorizedAccessException]::new('Access is denied. ')) -ErrorId "Windows System Error 5" -Category PermissionDenied -Target $Resource))
}

function Test-NetModelUnreadable {
    param($Cmdlet, [string]$Resource, [string]$Command)
    if (-not (Test-ModelUnreadable $Resource)) { return $false }
    Write-NetModelAccessDenied $Cmdlet $Command $Resource
    return $true
}

function Test-NetModelDenied {
    param($Cmdlet, [string]$Resource, [string]$Command)
    if (-not ((Test-ModelDenied $Resource) -or (Test-ModelUnreadable $Resource))) { return $false }
    Write-NetModelAccessDenied $Cmdlet $Command $Resource
    return $true
}

# The interfaces named (aliases or indexes; none = all), each as @{ alias; entry }, writing
# cdxml's not-found error for a name that matches nothing.
function Select-NetModelInterface {
    param($Cmdlet, [string]$Class, [string]$Command, [string[]]$Alias, [int[]]$Index)
    $interfaces = (Get-ModelArea network)['interfaces']
    $all = foreach ($key in @($interfaces.Keys)) { @{ alias = $key; entry = $interfaces[$key] } }
    if ($Alias) {
        foreach ($name in $Alias) {
            $found = @($all | Where-Object { $_.alias -like $name })
            if ($found.Count -eq 0) { Write-NetModelNotFound $Cmdlet $Class 'InterfaceAlias' $name $Command }
            $found
        }
    } elseif ($Index) {
        foreach ($number in $Index) {
            $found = @($all | Where-Object { $_.entry['index'] -eq $number })
            if ($found.Count -eq 0) { Write-NetModelNotFound $Cmdlet $Class 'InterfaceIndex' $number $Command }
            $found
        }
    } else { $all }
}

# --- cmdlets -------------------------------------------------------------------------------------

function Get-NetAdapter {
    [CmdletBinding()]
    param([Parameter(Position = 0)][Alias('ifAlias', 'InterfaceAlias')][string[]]$Name, [Alias('ifIndex')][int[]]$InterfaceIndex)
    if (Test-NetModelCimFails $PSCmdlet 'MSFT_NetAdapter' 'Get-NetAdapter') { return }
    foreach ($nic in (Select-NetModelInterface $PSCmdlet 'MSFT_NetAdapter' 'Get-NetAdapter' $Name $InterfaceIndex)) {
        if (Test-NetModelUnreadable $PSCmdlet "network:$($nic.alias)" 'Get-NetAdapter') { continue }
        [pscustomobject]@{ Name = $nic.alias; InterfaceAlias = $nic.alias; ifIndex = $nic.entry['index']; InterfaceIndex = $nic.entry['index']; InterfaceGuid = $nic.entry['guid']; Status = $nic.entry['status'] }
    }
}

function Get-NetIPInterface {
    [CmdletBinding()]
    param([Parameter(Position = 0)][Alias('ifAlias')][string[]]$InterfaceAlias, [Alias('ifIndex')][int[]]$InterfaceIndex, [AddressFamily[]]$AddressFamily)
    if (Test-NetModelCimFails $PSCmdlet 'MSFT_NetIPInterface' 'Get-NetIPInterface') { return }
    foreach ($nic in (Select-NetModelInterface $PSCmdlet 'MSFT_NetIPInterface' 'Get-NetIPInterface' $InterfaceAlias $InterfaceIndex)) {
        if (Test-NetModelUnreadable $PSCmdlet "network:$($nic.alias)" 'Get-NetIPInterface') { continue }
        foreach ($family in 'IPv4', 'IPv6') {
            if ($AddressFamily -and -not ($AddressFamily -contains [AddressFamily]$family)) { continue }
            $ip = $nic.entry[$family.ToLowerInvariant()]
            [pscustomobject]@{ InterfaceAlias = $nic.alias; InterfaceIndex = $nic.entry['index']; AddressFamily = [AddressFamily]$family; Dhcp = [Dhcp]$ip['dhcp']; InterfaceMetric = $ip['metric']; ConnectionState = 'Connected' }
        }
    }
}

function Get-NetRoute {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$DestinationPrefix, [Alias('ifAlias')][string[]]$InterfaceAlias, [AddressFamily[]]$AddressFamily)
    if (Test-NetModelCimFails $PSCmdlet 'MSFT_NetRoute' 'Get-NetRoute') { return }
    $network = Get-ModelArea network
    $routes = @($network['routes'] | Where-Object { -not $InterfaceAlias -or $InterfaceAlias -contains $_['alias'] })
    if ($AddressFamily) { $routes = @($routes | Where-Object { $AddressFamily -contains [AddressFamily]$(if ($_['prefix'].Contains(':')) { 'IPv6' } else { 'IPv4' }) }) }
    if ($DestinationPrefix) {
        $matched = @()
        foreach ($prefix in $DestinationPrefix) {
            $some = @($routes | Where-Object { $_['prefix'] -eq $prefix })
            if ($some.Count -eq 0) { Write-NetModelNotFound $PSCmdlet 'MSFT_NetRoute' 'DestinationPrefix' $prefix 'Get-NetRoute' }
            $matched += $some
        }
        $routes = $matched
    }
    foreach ($route in $routes) {
        if (Test-NetModelUnreadable $PSCmdlet "network:$($route['alias'])" 'Get-NetRoute') { continue }
        $nic = $network['interfaces'][$route['alias']]
        [pscustomobject]@{ DestinationPrefix = $route['prefix']; InterfaceAlias = $route['alias']; InterfaceIndex = $nic['index']; NextHop = $route['nextHop']; RouteMetric = $route['metric']; InterfaceMetric = $nic['ipv4']['metric'] }
    }
}

function Get-NetConnectionProfile {
    [CmdletBinding()]
    param([Alias('ifAlias')][string[]]$InterfaceAlias, [Alias('ifIndex')][int[]]$InterfaceIndex, [NetworkCategory[]]$NetworkCategory)
    if (Test-NetModelCimFails $PSCmdlet 'MSFT_NetConnectionProfile' 'Get-NetConnectionProfile') { return }
    foreach ($nic in (Select-NetModelInterface $PSCmdlet 'MSFT_NetConnectionProfile' 'Get-NetConnectionProfile' $InterfaceAlias $InterfaceIndex)) {
        if ($nic.entry['status'] -ne 'Up') { continue }
        if ($NetworkCategory -and -not ($NetworkCategory -contains [NetworkCategory]$nic.entry['category'])) { continue }
        if (Test-NetModelUnreadable $PSCmdlet "network:$($nic.alias)" 'Get-NetConnectionProfile') { continue }
        [pscustomobject]@{ Name = $nic.entry['profileName']; InterfaceAlias = $nic.alias; InterfaceIndex = $nic.entry['index']; NetworkCategory = [NetworkCategory]$nic.entry['category'] }
    }
}

function Set-NetConnectionProfile {
    [CmdletBinding(SupportsShouldProcess)]
    param([Alias('ifAlias')][string[]]$InterfaceAlias, [Alias('ifIndex')][int[]]$InterfaceIndex, [NetworkCategory]$NetworkCategory)
    if (Test-NetModelCimFails $PSCmdlet 'MSFT_NetConnectionProfile' 'Set-NetConnectionProfile') { return }
    foreach ($nic in (Select-NetModelInterface $PSCmdlet 'MSFT_NetConnectionProfile' 'Set-NetConnectionProfile' $InterfaceAlias $InterfaceIndex)) {
        if (-not $PSBoundParameters.ContainsKey('NetworkCategory')) { continue }
        if (Test-NetModelDenied $PSCmdlet "network:$($nic.alias)" 'Set-NetConnectionProfile') { continue }
        if ($NetworkCategory -eq 'DomainAuthenticated' -or $nic.entry['category'] -eq 'DomainAuthenticated') {
            $message = "Unable to set NetworkCategory to '$NetworkCategory'. This NetworkCategory type will be set when the network is authenticated to a domain controller."
            $PSCmdlet.WriteError((New-ModelErrorRecord -Exception ([System.InvalidOperationException]::new($message)) -ErrorId 'MI RESULT 4' -Category InvalidArgument -Target $nic.alias))
            continue
        }
        if ($PSCmdlet.ShouldProcess($nic.alias)) {
            $nic.entry['category'] = [string]$NetworkCategory
            Save-WindowsModel
        }
    }
}

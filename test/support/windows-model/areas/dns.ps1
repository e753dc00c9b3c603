# The DNS client's per-interface settings (DnsClient module), over the interfaces of the
# network area (network.ps1): each family of each interface has static servers (dnsStatic,
# empty = none) and the servers DHCP gave (dnsDhcp); the static ones win when set.
#
# Sources (learn.microsoft.com, powershell/module/dnsclient/...):
# - "Get-DnsClientServerAddress": one object per interface and address family, ServerAddresses.
# - "Set-DnsClientServerAddress": "-ServerAddresses ... statically adds DNS server addresses to the
#   interface ... the DNS servers will override any DHCP configuration"; -ResetServerAddresses
#   "Resets the DNS server IP addresses to the default value": the interface's static servers of
#   BOTH families are dropped (IPv4 and IPv6 go back to DHCP together).
# - "Get-DnsClient": ConnectionSpecificSuffix per interface.
# Not documented, modelled strictly: giving only IPv4 addresses leaves the IPv6 servers as they
# were (what users report: DnsChanger/dnsChanger-desktop issue #75); one call mixing IPv4 and IPv6
# addresses is refused by the model (its effect is unverified: ChrisTitusTech/winutil PR #4800 had
# to split such calls), so a fault that mixes them fails here instead of passing by luck.
# Windows offers no cmdlet that says whether a family's servers are static or from DHCP
# (dsccommunity/NetworkingDsc issue #211); only the registry's NameServer value does.
# (The AddressFamily enum is network.ps1's: a type an area file defines is not visible by name here.)

function Get-NetModelDnsFamily {
    param([string]$Address)
    if ($Address -match '^\d{1,3}(\.\d{1,3}){3}$') { return 'ipv4' }
    if ($Address.Contains(':')) { return 'ipv6' }
    return $null
}

function Get-DnsClient {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$InterfaceAlias, [int[]]$InterfaceIndex)
    if (Test-NetModelCimFails $PSCmdlet 'MSFT_DNSClient' 'Get-DnsClient') { return }
    foreach ($nic in (Select-NetModelInterface $PSCmdlet 'MSFT_DNSClient' 'Get-DnsClient' $InterfaceAlias $InterfaceIndex)) {
        if (Test-NetModelUnreadable $PSCmdlet "network:$($nic.alias)" 'Get-DnsClient') { continue }
        [pscustomobject]@{ InterfaceAlias = $nic.alias; InterfaceIndex = $nic.entry['index']; ConnectionSpecificSuffix = $nic.entry['suffix']; RegisterThisConnectionsAddress = $true }
    }
}

function Get-DnsClientServerAddress {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$InterfaceAlias, [int[]]$InterfaceIndex, [ValidateSet('IPv4', 'IPv6')][string[]]$AddressFamily)
    if (Test-NetModelCimFails $PSCmdlet 'MSFT_DNSClientServerAddress' 'Get-DnsClientServerAddress') { return }
    foreach ($nic in (Select-NetModelInterface $PSCmdlet 'MSFT_DNSClientServerAddress' 'Get-DnsClientServerAddress' $InterfaceAlias $InterfaceIndex)) {
        if (Test-NetModelUnreadable $PSCmdlet "network:$($nic.alias)" 'Get-DnsClientServerAddress') { continue }
        foreach ($family in 'IPv4', 'IPv6') {
            if ($AddressFamily -and -not ($AddressFamily -contains $family)) { continue }
            $ip = $nic.entry[$family.ToLowerInvariant()]
            $servers = if (@($ip['dnsStatic']).Count -gt 0) { @($ip['dnsStatic']) } else { @($ip['dnsDhcp']) }
            [pscustomobject]@{ InterfaceAlias = $nic.alias; InterfaceIndex = $nic.entry['index']; AddressFamily = (ConvertTo-NetModelAddressFamily $family); ServerAddresses = [string[]]$servers }
        }
    }
}

function Set-DnsClientServerAddress {
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [Parameter(Position = 0)][string[]]$InterfaceAlias,
        [int[]]$InterfaceIndex,
        [string[]]$ServerAddresses,
        [switch]$ResetServerAddresses,
        [switch]$Validate
    )
    if (Test-NetModelCimFails $PSCmdlet 'MSFT_DNSClientServerAddress' 'Set-DnsClientServerAddress') { return }
    $byFamily = @{}
    foreach ($address in $ServerAddresses) {
        $family = Get-NetModelDnsFamily $address
        if ($null -eq $family) {
            $PSCmdlet.ThrowTerminatingError((New-ModelErrorRecord -Exception ([System.ArgumentException]::new("The parameter is incorrect. '$address' is not an IP address.")) -ErrorId 'Windows System Error 87' -Category InvalidArgument -Target $address))
        }
        if (-not $byFamily.ContainsKey($family)) { $byFamily[$family] = [System.Collections.Generic.List[string]]::new() }
        $byFamily[$family].Add($address)
    }
    if ($byFamily.Count -gt 1) {
        $PSCmdlet.ThrowTerminatingError((New-ModelErrorRecord -Exception ([System.NotSupportedException]::new('the Windows model refuses IPv4 and IPv6 server addresses in one call: what Windows does then is unverified')) -ErrorId 'ModelUnsupported' -Category NotImplemented))
    }
    foreach ($nic in (Select-NetModelInterface $PSCmdlet 'MSFT_DNSClientServerAddress' 'Set-DnsClientServerAddress' $InterfaceAlias $InterfaceIndex)) {
        if (Test-NetModelDenied $PSCmdlet "network:$($nic.alias)" 'Set-DnsClientServerAddress') { continue }
        if (-not $PSCmdlet.ShouldProcess($nic.alias)) { continue }
        if ($ResetServerAddresses) {
            foreach ($family in 'ipv4', 'ipv6') { $nic.entry[$family]['dnsStatic'] = @() }
        }
        foreach ($family in @($byFamily.Keys)) { $nic.entry[$family]['dnsStatic'] = $byFamily[$family].ToArray() }
        Save-WindowsModel
    }
}

# netsh.exe, only `interface ipv4|ipv6 set dnsservers name=<alias or index> source=dhcp`: the one
# way Windows offers to return ONE family's DNS servers to DHCP ("Netsh interface IP commands",
# windows-server/networking/technologies/netsh/netsh-interface-ip: "set dnsservers ...
# source={dhcp | static}"; the name may be the interface's index). Anything else: netsh's "not
# found" answer. Its failure exit code (1) and texts are unverified.
function netsh.exe {
    $words = @($args | ForEach-Object { [string]$_ })
    $named = @{}
    foreach ($word in $words) { $at = $word.IndexOf('='); if ($at -gt 0) { $named[$word.Substring(0, $at).ToLowerInvariant()] = $word.Substring($at + 1) } }
    $family = if ($words.Count -ge 2) { $words[1].ToLowerInvariant() } else { '' }
    $isReset = $words.Count -ge 4 -and $words[0] -eq 'interface' -and ($family -eq 'ipv4' -or $family -eq 'ipv6') -and $words[2] -eq 'set' -and $words[3] -eq 'dnsservers' -and $named['source'] -eq 'dhcp'
    if (-not $isReset) {
        "The following command was not found: $($words -join ' ')."
        $global:LASTEXITCODE = 1
        return
    }
    $interfaces = (Get-ModelArea network)['interfaces']
    $key = @($interfaces.Keys) | Where-Object { $_ -eq $named['name'] -or [string]$interfaces[$_]['index'] -eq $named['name'] } | Select-Object -First 1
    if ($null -eq $key) {
        'The filename, directory name, or volume label syntax is incorrect.'
        $global:LASTEXITCODE = 1
        return
    }
    if ((Test-ModelDenied "network:$key") -or (Test-ModelUnreadable "network:$key")) {
        'The requested operation requires elevation (Run as administrator).'
        $global:LASTEXITCODE = 1
        return
    }
    $interfaces[$key][$family]['dnsStatic'] = @()
    Save-WindowsModel
    ''
    $global:LASTEXITCODE = 0
}

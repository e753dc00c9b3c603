BeforeAll { . (Join-Path $PSScriptRoot 'NetworkModelSetup.ps1') }

Describe 'network and DNS client model' {
    AfterEach { Remove-Item -LiteralPath $script:statePath -ErrorAction Ignore }

    It 'gives a DC a NAT NIC holding the default route and a domain NIC with its own DNS (127.0.0.1 and ::1)' {
        $script:statePath = New-NetworkTestModel -Role dc
        (Get-NetRoute -DestinationPrefix '0.0.0.0/0').InterfaceAlias | Should -Be 'Ethernet'
        [string](Get-NetConnectionProfile -InterfaceAlias 'Ethernet 2').NetworkCategory | Should -Be 'DomainAuthenticated'
        (Get-DnsClient -InterfaceAlias 'Ethernet 2').ConnectionSpecificSuffix | Should -Be 'lab.example'
        (Get-DnsClientServerAddress -InterfaceAlias 'Ethernet 2' -AddressFamily IPv4).ServerAddresses | Should -Be @('127.0.0.1')
        (Get-DnsClientServerAddress -InterfaceAlias 'Ethernet 2' -AddressFamily IPv6).ServerAddresses | Should -Be @('::1')
        [string](Get-NetIPInterface -InterfaceAlias 'Ethernet 2' -AddressFamily IPv4).Dhcp | Should -Be 'Disabled'
    }

    It 'sets one family statically and leaves the other; -ResetServerAddresses resets both to DHCP' {
        $script:statePath = New-NetworkTestModel -Role dc
        Set-DnsClientServerAddress -InterfaceAlias 'Ethernet 2' -ServerAddresses '192.0.2.53'
        (Get-DnsClientServerAddress -InterfaceAlias 'Ethernet 2' -AddressFamily IPv4).ServerAddresses | Should -Be @('192.0.2.53')
        (Get-DnsClientServerAddress -InterfaceAlias 'Ethernet 2' -AddressFamily IPv6).ServerAddresses | Should -Be @('::1')
        Set-DnsClientServerAddress -InterfaceAlias 'Ethernet 2' -ResetServerAddresses
        (Get-DnsClientServerAddress -InterfaceAlias 'Ethernet 2' -AddressFamily IPv6).ServerAddresses | Should -BeNullOrEmpty
    }

    It 'refuses a mixed-family list and a non-address' {
        $script:statePath = New-NetworkTestModel
        { Set-DnsClientServerAddress -InterfaceAlias Ethernet -ServerAddresses '192.0.2.53', 'fd00::53' } | Should -Throw -ErrorId 'ModelUnsupported,Set-DnsClientServerAddress'
        { Set-DnsClientServerAddress -InterfaceAlias Ethernet -ServerAddresses 'dns.example' } | Should -Throw -ErrorId 'Windows System Error 87*'
    }

    It 'returns one family to DHCP through netsh, by interface index, and leaves the other' {
        $script:statePath = New-NetworkTestModel -Role srv
        Set-DnsClientServerAddress -InterfaceAlias Ethernet -ServerAddresses '192.0.2.53'
        Set-DnsClientServerAddress -InterfaceAlias Ethernet -ServerAddresses 'fd00::53'
        & netsh.exe interface ipv4 set dnsservers 'name=5' source=dhcp | Out-Null
        $LASTEXITCODE | Should -Be 0
        (Get-DnsClientServerAddress -InterfaceAlias Ethernet -AddressFamily IPv4).ServerAddresses | Should -Be @('10.10.0.10')
        (Get-DnsClientServerAddress -InterfaceAlias Ethernet -AddressFamily IPv6).ServerAddresses | Should -Be @('fd00::53')
        & netsh.exe interface ipv4 set dnsservers 'name=Nope' source=dhcp | Out-Null
        $LASTEXITCODE | Should -Be 1
    }

    It 'never sets DomainAuthenticated, nor changes it; Public and Private switch' {
        $script:statePath = New-NetworkTestModel -Role dc
        Set-NetConnectionProfile -InterfaceAlias Ethernet -NetworkCategory DomainAuthenticated -ErrorAction SilentlyContinue -ErrorVariable problem
        $problem[0].Exception.Message | Should -BeLike "Unable to set NetworkCategory to 'DomainAuthenticated'*"
        { Set-NetConnectionProfile -InterfaceAlias 'Ethernet 2' -NetworkCategory Private -ErrorAction Stop } | Should -Throw
        Set-NetConnectionProfile -InterfaceAlias Ethernet -NetworkCategory Private
        [string](Get-NetConnectionProfile -InterfaceAlias Ethernet).NetworkCategory | Should -Be 'Private'
    }

    It 'writes cdxml''s non-terminating not-found error for a route or alias that matches nothing' {
        $script:statePath = New-NetworkTestModel
        Get-NetRoute -DestinationPrefix '::/0' -ErrorAction SilentlyContinue -ErrorVariable problem | Should -BeNullOrEmpty
        $problem[0].FullyQualifiedErrorId | Should -Be 'CmdletizationQuery_NotFound_DestinationPrefix,Get-NetRoute'
        { Get-NetAdapter -Name 'Nope' -ErrorAction Stop } | Should -Throw -ErrorId 'CmdletizationQuery_NotFound_InterfaceAlias*'
    }
}

# CIS-style hardening for the lab hosts, applied by lab-converge every few
# seconds with `puppet apply` (no server: the catalog is compiled on the host).
# Uses the stdlib (file_line) and inifile (ini_setting) modules from Debian's
# puppet-module-* packages. Each resource is named after what it enforces; the
# observer maps resource names to chaoslab's check types.

$baseline = '/etc/chaoslab/baseline'
# There is no init system in a lab host: lab-service plays `service`.
$lab_service = '/usr/local/sbin/lab-service'

Exec {
  path => ['/usr/local/sbin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'],
}

# CIS 5.2.x: sshd options. Root logs in by key only (chaoslab's management
# login), hence prohibit-password rather than no. sshd re-reads its
# configuration for every connection: no restart needed.
file_line { 'sshd PermitRootLogin':
  path  => '/etc/ssh/sshd_config',
  line  => 'PermitRootLogin prohibit-password',
  match => '^\s*(?i:PermitRootLogin)\s',
}
file_line { 'sshd PasswordAuthentication':
  path  => '/etc/ssh/sshd_config',
  line  => 'PasswordAuthentication no',
  match => '^\s*(?i:PasswordAuthentication)\s',
}
file_line { 'sshd MaxAuthTries':
  path  => '/etc/ssh/sshd_config',
  line  => 'MaxAuthTries 3',
  match => '^\s*(?i:MaxAuthTries)\s',
}

# CIS 5.2.1 / 6.1.x / 5.1.2: ownership and modes of sensitive files.
file { '/etc/ssh/sshd_config':
  ensure => file,
  owner  => 'root',
  group  => 'root',
  mode   => '0644',
}
file { '/etc/shadow':
  ensure => file,
  owner  => 'root',
  group  => 'shadow',
  mode   => '0640',
}
file { '/etc/crontab':
  ensure => file,
  owner  => 'root',
  group  => 'root',
  mode   => '0644',
}

# CIS 4.1.3.x: the audit rules as the baseline ships them.
file { '/etc/audit/rules.d/chaoslab.rules':
  ensure => file,
  source => "${baseline}/audit.rules",
  owner  => 'root',
  group  => 'root',
  mode   => '0640',
}

# SMB signing required; smbd reads smb.conf at start, so a change restarts it.
ini_setting { 'smb server signing':
  ensure  => present,
  path    => '/etc/samba/smb.conf',
  section => 'global',
  setting => 'server signing',
  value   => 'mandatory',
  notify  => Service['smbd'],
}

# Services that must run (logging, scheduling, the local resolver, file sharing).
['rsyslog', 'cron', 'dnsmasq', 'smbd'].each |$name| {
  service { $name:
    ensure   => running,
    provider => base,
    start    => "${lab_service} start ${name}",
    stop     => "${lab_service} stop ${name}",
    restart  => "${lab_service} restart ${name}",
    status   => "${lab_service} status ${name}",
  }
}

# CIS 3.5: default-deny inbound, with the management rule in place.
exec { 'firewall baseline':
  command => "iptables-restore ${baseline}/firewall.rules",
  unless  => "sh -c 'iptables -S INPUT | grep -qx -- \"-P INPUT DROP\" && iptables -S INPUT | grep -q -- \"--dport 22 -j ACCEPT\"'",
}

# CIS 3.2.1: the host is not a router.
exec { 'sysctl net.ipv4.ip_forward=0':
  command => 'sysctl -q -w net.ipv4.ip_forward=0',
  unless  => 'grep -qx 0 /proc/sys/net/ipv4/ip_forward',
}

# Review only (noop): a changed resolver may be legitimate. Puppet reports
# the difference without changing the file.
file { '/etc/resolv.conf':
  ensure  => file,
  content => file("${baseline}/resolv.conf"),
  noop    => true,
}

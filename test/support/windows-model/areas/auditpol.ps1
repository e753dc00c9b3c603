# auditpol.exe, the system audit policy tool, as a function named like the program (PowerShell
# runs a function before a program of the same name).
#
# Sources (learn.microsoft.com, windows-server/administration/windows-commands/):
# - "auditpol backup": writes system policy, per-user policy and auditing options to a CSV file;
#   "auditpol restore": the file format is the one /backup writes. Columns, by position:
#   machine, policy target, subcategory, subcategory GUID, inclusion setting, exclusion setting,
#   setting value (the number: bit 1 success, bit 2 failure). Every subcategory has a row, "No
#   Auditing" ones with value 0, so a GUID without a row is one auditpol does not know.
# - "auditpol set": /subcategory:<name>|<{guid}> with /success:enable|disable /failure:enable|disable.
# - "auditpol get": /subcategory:{guid} /r prints the same columns without the setting value.
# - Each needs "Manage auditing and security log" (SeSecurityPrivilege) or rights on the policy.
# Not found in any authoritative source, and so marked unverified: the localised header and
# setting words of the de/es output (taken from test/fixtures/windows/auditpol, which says so),
# the file's encoding (UTF-16 LE with a byte order mark here), and auditpol's exit code on failure
# (the model exits with the Win32 error number and prints "Error 0x%08x occurred:" and its text).
# The fault reads only the GUID and the number, by position, so none of these can change a verdict.
#
# State: auditpol = @{ language = 'en'|'de'|'es'; machine; settings = { '{GUID}' = 0..3 } }.
# Resource 'auditpol' in unreadable (no right to read the policy) or denied (no right to set it).

if (-not $env:TEMP) { $env:TEMP = [System.IO.Path]::GetTempPath().TrimEnd('/') }

$script:AuditpolNames = @{
    '{0CCE9215-69AE-11D9-BED3-505054503030}' = @{ en = 'Logon'; de = 'Anmelden'; es = 'Inicio de sesión' }
    '{0CCE9216-69AE-11D9-BED3-505054503030}' = @{ en = 'Logoff'; de = 'Abmelden'; es = 'Cierre de sesión' }
    '{0CCE9217-69AE-11D9-BED3-505054503030}' = @{ en = 'Account Lockout'; de = 'Kontosperrung'; es = 'Bloqueo de cuenta' }
    '{0CCE921B-69AE-11D9-BED3-505054503030}' = @{ en = 'Special Logon'; de = 'Spezielle Anmeldung'; es = 'Inicio de sesión especial' }
    '{0CCE921C-69AE-11D9-BED3-505054503030}' = @{ en = 'Other Logon/Logoff Events'; de = 'Andere Anmelde-/Abmeldeereignisse'; es = 'Otros eventos de inicio y cierre de sesión' }
    '{0CCE922B-69AE-11D9-BED3-505054503030}' = @{ en = 'Process Creation'; de = 'Prozesserstellung'; es = 'Creación del proceso, auditoría' }
    '{0CCE923F-69AE-11D9-BED3-505054503030}' = @{ en = 'Credential Validation'; de = 'Überprüfung der Anmeldeinformationen'; es = 'Validación de credenciales' }
}
$script:AuditpolWords = @{
    en = @{ header = 'Machine Name,Policy Target,Subcategory,Subcategory GUID,Inclusion Setting,Exclusion Setting,Setting Value'; target = 'System'; settings = @('No Auditing', 'Success', 'Failure', 'Success and Failure'); disabled = 'Disabled' }
    de = @{ header = 'Computername,Richtlinienziel,Unterkategorie,Unterkategorie-GUID,Inklusionseinstellung,Exklusionseinstellung,Einstellungswert'; target = 'System'; settings = @('Keine Überwachung', 'Erfolg', 'Fehler', 'Erfolg und Fehler'); disabled = 'Deaktiviert' }
    es = @{ header = 'Nombre de equipo,Destino de directiva,Subcategoría,GUID de subcategoría,Configuración de inclusión,Configuración de exclusión,Valor de configuración'; target = 'Sistema'; settings = @('Sin auditoría', 'Aciertos', 'Error', 'Aciertos y errores'); disabled = 'Deshabilitado' }
}

Register-ModelArea -Name auditpol -Baseline {
    param($role)
    # The defaults of a fresh Windows Server / Windows client ("Advanced security audit policy
    # settings", windows/security/threat-protection/auditing): logon success and failure, the rest
    # success or nothing. Credential Validation is audited on a DC by its default policy.
    $settings = [ordered]@{
        '{0CCE9215-69AE-11D9-BED3-505054503030}' = 3
        '{0CCE9216-69AE-11D9-BED3-505054503030}' = 1
        '{0CCE9217-69AE-11D9-BED3-505054503030}' = 1
        '{0CCE921B-69AE-11D9-BED3-505054503030}' = 1
        '{0CCE921C-69AE-11D9-BED3-505054503030}' = 0
        '{0CCE922B-69AE-11D9-BED3-505054503030}' = 0
        '{0CCE923F-69AE-11D9-BED3-505054503030}' = $(if ($role -eq 'dc') { 1 } else { 0 })
    }
    @{ language = 'en'; machine = $role.ToUpperInvariant() + '01'; settings = $settings }
}

function Write-AuditpolError {
    param([int]$Code, [string]$Text)
    'Error 0x{0:x8} occurred:' -f $Code
    $Text
    $global:LASTEXITCODE = $Code
}

function ConvertTo-AuditpolField {
    param([string]$Value)
    if ($Value -match '[",]') { return '"' + $Value.Replace('"', '""') + '"' }
    return $Value
}

function Get-AuditpolRow {
    param([hashtable]$Area, [string]$Guid, [bool]$WithValue)
    $words = $script:AuditpolWords[$Area['language']]
    $value = [int]$Area['settings'][$Guid]
    $fields = @($Area['machine'], $words['target'], (ConvertTo-AuditpolField $script:AuditpolNames[$Guid][$Area['language']]), $Guid.ToLowerInvariant(), $words['settings'][$value], '')
    if ($WithValue) { $fields += [string]$value }
    $fields -join ','
}

function auditpol.exe {
    $area = Get-ModelArea auditpol
    $words = $script:AuditpolWords[$area['language']]
    $options = @{}
    foreach ($arg in $args) {
        $text = [string]$arg
        $colon = $text.IndexOf(':')
        if ($colon -gt 0) { $options[$text.Substring(1, $colon - 1).ToLowerInvariant()] = $text.Substring($colon + 1) } else { $options[$text.TrimStart('/').ToLowerInvariant()] = $true }
    }
    $guid = if ($options.ContainsKey('subcategory')) { ([string]$options['subcategory']).ToUpperInvariant() } else { $null }
    if ($options.ContainsKey('backup')) {
        if (Test-ModelUnreadable 'auditpol') { return Write-AuditpolError 1314 'A required privilege is not held by the client.' }
        if (-not $options.ContainsKey('file')) { return Write-AuditpolError 87 'The parameter is incorrect.' }
        $lines = @($words['header']) + @(foreach ($key in @($area['settings'].Keys)) { Get-AuditpolRow $area $key $true })
        $lines += ",,Option:CrashOnAuditFail,,$($words['disabled']),,0"
        [System.IO.File]::WriteAllLines([string]$options['file'], [string[]]$lines, [System.Text.Encoding]::Unicode)
        'The command was successfully executed.'
        $global:LASTEXITCODE = 0
        return
    }
    if ($options.ContainsKey('get')) {
        if (Test-ModelUnreadable 'auditpol') { return Write-AuditpolError 1314 'A required privilege is not held by the client.' }
        if ($null -eq $guid -or -not $area['settings'].Contains($guid) -or -not $options.ContainsKey('r')) { return Write-AuditpolError 87 'The parameter is incorrect.' }
        ($words['header'] -split ',')[0..5] -join ','
        Get-AuditpolRow $area $guid $false
        $global:LASTEXITCODE = 0
        return
    }
    if ($options.ContainsKey('set')) {
        if ((Test-ModelDenied 'auditpol') -or (Test-ModelUnreadable 'auditpol')) { return Write-AuditpolError 1314 'A required privilege is not held by the client.' }
        if ($null -eq $guid -or -not $area['settings'].Contains($guid)) { return Write-AuditpolError 87 'The parameter is incorrect.' }
        $value = [int]$area['settings'][$guid]
        foreach ($pair in @(@('success', 1), @('failure', 2))) {
            if (-not $options.ContainsKey($pair[0])) { continue }
            switch ([string]$options[$pair[0]]) {
                'enable' { $value = $value -bor $pair[1] }
                'disable' { $value = $value -band (3 - $pair[1]) }
                default { return Write-AuditpolError 87 'The parameter is incorrect.' }
            }
        }
        $area['settings'][$guid] = $value
        Save-WindowsModel
        'The command was successfully executed.'
        $global:LASTEXITCODE = 0
        return
    }
    Write-AuditpolError 87 'The parameter is incorrect.'
}

# Shared by the network-and-security areas' Pester tests: the model over a fresh state file.
Import-Module (Join-Path $PSScriptRoot '..' 'WindowsModel.psm1') -Force

function New-NetworkTestModel {
    param([string]$Role = 'srv', [hashtable]$State = @{})
    $path = Join-Path ([System.IO.Path]::GetTempPath()) ('chaoslab-netmodel-' + [guid]::NewGuid() + '.json')
    $State['role'] = $Role
    Set-Content -LiteralPath $path -Value (ConvertTo-Json -InputObject $State -Depth 16)
    Initialize-WindowsModel -StatePath $path
    return $path
}

# Loads the Windows model over a fresh state file for one Pester test: `New-TestModel -Role srv -State @{...}`.
function New-TestModel {
    param([string]$Role = 'srv', [hashtable]$State = @{})
    $path = Join-Path ([System.IO.Path]::GetTempPath()) "chaoslab-pester-$([guid]::NewGuid()).json"
    $State['role'] = $Role
    ConvertTo-Json -InputObject $State -Depth 16 | Set-Content -LiteralPath $path
    Import-Module (Join-Path $PSScriptRoot '..' 'WindowsModel.psm1') -Force -Global
    Initialize-WindowsModel -StatePath $path
    return $path
}

# Runs `Script` with `Argument` in a separate ConstrainedLanguage runspace (a session cannot leave
# ConstrainedLanguage once in it, so the test's own runspace stays FullLanguage).
function Invoke-Constrained {
    param([scriptblock]$Script, $Argument)
    $runspace = [runspacefactory]::CreateRunspace()
    $runspace.Open()
    try {
        $runspace.SessionStateProxy.LanguageMode = 'ConstrainedLanguage'
        $shell = [powershell]::Create()
        $shell.Runspace = $runspace
        $shell.AddScript($Script.ToString()).AddArgument($Argument).Invoke()
    } finally {
        $runspace.Dispose()
    }
}

# TEST FIXTURE, not a model of Windows: one made-up resource that the check-contract
# test (test/integration/windows-check-contract.test.ts) makes compliant, drifted, not
# applicable or unreadable, so that the same checks, built by the fault library's shared
# helpers, can be run through every way chaoslab reaches a Windows host. No fault touches it.
# Its refusal is shaped like a Windows cmdlet's (non-terminating, PermissionDenied,
# UnauthorizedAccessException: "Access is denied."), so -ErrorAction decides what it does.

Register-ModelArea -Name contractProbe -Baseline { param($role) @{ setting = 'compliant'; applies = $true } }

function Get-ChaoslabContractProbe {
    [CmdletBinding()]
    param()
    if (Test-ModelUnreadable 'contract-probe') {
        $PSCmdlet.WriteError((New-ModelErrorRecord -Exception ([System.UnauthorizedAccessException]::new('Access is denied.')) -ErrorId 'AccessDenied,Get-ChaoslabContractProbe' -Category PermissionDenied -Target 'contract-probe'))
        return
    }
    $area = Get-ModelArea contractProbe
    [pscustomobject]@{ Setting = [string]$area['setting']; Applies = [bool]$area['applies'] }
}

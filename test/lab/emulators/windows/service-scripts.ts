/**
 * Scripts the lab tests use to drive a Windows host's services and programs, as an operator would
 * (the library sends none of them: it stops and starts DataMiner with SLTaskbarUtility.exe). They
 * run through the library's own PowerShell session, so they exercise the WindowsLab cmdlets and the
 * vendor emulators' programs.
 */
import { MISSING_STATUS } from '../../../../src/dialect/windows-primitives';

/** The service's status word (Running, Stopped, ...); exit 3 when there is no such service. */
export const SERVICE_STATUS_PS = `$svc = Get-Service -Name $name -ErrorAction SilentlyContinue
if ($null -eq $svc) { exit ${MISSING_STATUS} }
Write-Output $svc.Status`;

/** Starts the service and waits up to $seconds until it runs; exit 1 when it does not. */
export const START_SERVICE_PS = `Start-Service -Name $name
$deadline = (Get-Date).AddSeconds([int]$seconds)
do {
  if ((Get-Service -Name $name).Status -eq 'Running') { exit 0 }
  Start-Sleep -Milliseconds 500
} while ((Get-Date) -lt $deadline)
Write-Output ('{0} is {1} after {2} s' -f $name, (Get-Service -Name $name).Status, $seconds)
exit 1`;

/**
 * Runs $program with the arguments in $arguments (one per line) and relays its exit status: a
 * vendor tool such as SLKill.exe. Each line is one argument, never parsed as code.
 */
export const RUN_PROGRAM_PS = `$ErrorActionPreference = 'Continue'
$list = @($arguments -split "\`n" | Where-Object { $_ -ne '' })
$output = & $program @list 2>&1 | ForEach-Object { "$_" }
$code = $LASTEXITCODE
$output | Out-String -Width 4096 | Write-Output
if ($null -eq $code) { exit 1 }
exit $code`;

/**
 * The Windows primitives run by real PowerShell, with Windows-only cmdlets given as functions that
 * return what Microsoft documents: a script that is wrong as PowerShell fails here, whatever text
 * a lab emulator would have recognised.
 */
import {
  bindPowerShellVariables,
  encodePowerShell,
  TIMEOUT_SUPERVISOR_PS,
} from '../../src/dialect/powershell';
import { LIST_ADAPTER_ADDRESSES_PS } from '../../src/dialect/windows-primitives';
import { parseAdapters } from '../../constructs/dataminer-failover-pair/parse';
import { runPowerShell } from '../support/powershell';

/**
 * Get-NetIPAddress (NetTCPIP module): MSFT_NetIPAddress objects with InterfaceAlias, InterfaceIndex
 * and IPAddress (a string); -AddressFamily filters them.
 */
const GET_NET_IP_ADDRESS = `function Get-NetIPAddress {
  param([string]$AddressFamily)
  @(
    [pscustomobject]@{ InterfaceAlias = 'Ethernet 2'; InterfaceIndex = 12; IPAddress = '10.0.1.12'; AddressFamily = 'IPv4' },
    [pscustomobject]@{ InterfaceAlias = 'Loopback Pseudo-Interface 1'; InterfaceIndex = 1; IPAddress = '127.0.0.1'; AddressFamily = 'IPv4' },
    [pscustomobject]@{ InterfaceAlias = 'Ethernet'; InterfaceIndex = 4; IPAddress = '10.0.0.12'; AddressFamily = 'IPv4' },
    [pscustomobject]@{ InterfaceAlias = 'Ethernet'; InterfaceIndex = 4; IPAddress = '10.0.0.50'; AddressFamily = 'IPv4' },
    [pscustomobject]@{ InterfaceAlias = 'Ethernet'; InterfaceIndex = 4; IPAddress = 'fe80::1'; AddressFamily = 'IPv6' },
    [pscustomobject]@{ InterfaceAlias = 'Ethernet 3'; InterfaceIndex = 15; IPAddress = '169.254.3.4'; AddressFamily = 'IPv4' }
  ) | Where-Object { -not $AddressFamily -or $_.AddressFamily -eq $AddressFamily }
}`;

describe('LIST_ADAPTER_ADDRESSES_PS under PowerShell', () => {
  it('prints one tab-separated line per address, which the parser reads as adapters in interface order', () => {
    const run = runPowerShell(LIST_ADAPTER_ADDRESSES_PS, GET_NET_IP_ADDRESS);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(parseAdapters(run.stdout)).toEqual([
      { name: 'Ethernet', addresses: ['10.0.0.12', '10.0.0.50'] },
      { name: 'Ethernet 2', addresses: ['10.0.1.12'] },
    ]);
  });
});

/**
 * Start-Process as Windows runs it for the supervisor: the real process (the script run by this
 * PowerShell, as powershell.exe would run it), whose ExitCode Windows leaves $null unless its
 * Handle was read before it exited, when started with -NoNewWindow -PassThru and redirected output
 * (PowerShell issue 5421, documented in the reference sheet).
 */
const START_PROCESS_AS_ON_WINDOWS = `$script:handleRead = $false
function Start-Process {
  param($FilePath, $ArgumentList, [switch]$NoNewWindow, [switch]$PassThru, $RedirectStandardOutput, $RedirectStandardError)
  if ($FilePath -ne 'powershell.exe') { throw "unexpected program $FilePath" }
  $real = Microsoft.PowerShell.Management\\Start-Process -FilePath $env:TEST_POWERSHELL -ArgumentList $ArgumentList -NoNewWindow -PassThru -RedirectStandardOutput $RedirectStandardOutput -RedirectStandardError $RedirectStandardError
  $child = [pscustomobject]@{ Real = $real; Id = $real.Id }
  $child | Add-Member ScriptProperty Handle { if (-not $this.Real.HasExited) { $script:handleRead = $true }; $this.Real.Handle }
  $child | Add-Member ScriptProperty ExitCode { if ($script:handleRead) { $this.Real.ExitCode } else { $null } }
  $child | Add-Member ScriptMethod WaitForExit { param($ms) $this.Real.WaitForExit($ms) }
  $child
}`;

describe('TIMEOUT_SUPERVISOR_PS under PowerShell', () => {
  const supervise = (inner: string) =>
    runPowerShell(
      bindPowerShellVariables(TIMEOUT_SUPERVISOR_PS, {
        inner: encodePowerShell(inner),
        timeoutMs: '30000',
      }),
      START_PROCESS_AS_ON_WINDOWS,
    );

  it("passes the script's exit code on, which Windows reports only to whoever read the process handle", () => {
    const run = supervise("[Console]::Out.Write('out'); [Console]::Error.Write('err'); exit 3");
    expect([run.code, run.stdout.trim(), run.stderr.trim()]).toEqual([3, 'out', 'err']);
  });

  it('passes 0 on for a script that succeeded', () => {
    expect(supervise("Write-Output 'fine'").code).toBe(0);
  });
});

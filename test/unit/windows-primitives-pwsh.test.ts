/**
 * The Windows primitives run by real PowerShell, with Windows-only cmdlets given as functions that
 * return what Microsoft documents: a script that is wrong as PowerShell fails here, whatever text
 * a lab emulator would have recognised.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ATOMIC_WRITE_PS,
  bindPowerShellVariables,
  encodePowerShell,
  TIMEOUT_SUPERVISOR_PS,
} from '../../src/dialect/powershell';
import { RemoteHost } from '../../src/runner/remote-host';
import { LOCAL_HOST } from '../support/local-executor';
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

describe('ATOMIC_WRITE_PS under PowerShell', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'failover-pwsh-write-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (target: string, stdin: Buffer, length = stdin.length) =>
    runPowerShell(
      bindPowerShellVariables(ATOMIC_WRITE_PS, {
        path: target,
        suffix: '.cdktf-failover-backup-20261202T000000000Z',
        keep: '5',
        length: String(length),
      }),
      '',
      stdin,
    );

  it('writes exactly the bytes of its standard input, NUL and CR LF included, keeping the previous file', () => {
    const target = path.join(dir, 'sub', 'DB.xml');
    const first = Buffer.from('<DataBase>\r\n\0\xff</DataBase>', 'latin1');
    expect(write(target, first)).toMatchObject({ code: 0, stderr: '' });
    expect(fs.readFileSync(target)).toEqual(first);
    const second = Buffer.from('<DataBase pwd="s3cr3t"/>');
    const run = write(target, second);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout.trim()).toBe(`${target}.cdktf-failover-backup-20261202T000000000Z`);
    expect(fs.readFileSync(target)).toEqual(second);
    expect(fs.readFileSync(run.stdout.trim())).toEqual(first);
  });

  it('writes nothing when fewer bytes arrive than announced', () => {
    const target = path.join(dir, 'DB.xml');
    fs.writeFileSync(target, 'kept\n');
    const run = write(target, Buffer.from('cut sh'), 100);
    expect(run.code).toBe(65);
    expect(run.stderr).toContain('short input for');
    expect(fs.readFileSync(target, 'utf8')).toBe('kept\n');
    expect(fs.readdirSync(dir)).toEqual(['DB.xml']);
  });
});

describe('a Windows file write on the command line', () => {
  /** The command line the runner hands Windows OpenSSH (run by cmd.exe /c) to write `content`. */
  async function commandLineFor(content: Buffer): Promise<{ line: string; stdin?: string | Buffer }> {
    const sent: { line: string; stdin?: string | Buffer }[] = [];
    const host = new RemoteHost(
      { ...LOCAL_HOST, os: 'windows' },
      {
        exec: (command, options) => {
          sent.push({ line: command, ...(options.stdin !== undefined ? { stdin: options.stdin } : {}) });
          return Promise.resolve({
            code: 0,
            stdout: Buffer.alloc(0),
            stderr: Buffer.alloc(0),
            durationMs: 0,
          });
        },
      },
    );
    await host.writeFile('C:\\Skyline DataMiner\\DB.xml', content);
    return sent[0];
  }

  it('holds neither the content nor its base64, and stays under cmd.exe’s 8,191 characters for a 64 KiB file', async () => {
    const content = Buffer.from(`<DataBase pwd="planted-secret-4711">${'x'.repeat(64 * 1024)}</DataBase>`);
    const { line, stdin } = await commandLineFor(content);
    expect(line.length).toBeLessThan(8191);
    const decoded = Buffer.from(line.split(' ').pop()!, 'base64').toString('utf16le');
    for (const text of [line, decoded]) {
      expect(text).not.toContain('planted-secret-4711');
      expect(text).not.toContain(content.toString('base64').slice(0, 40));
    }
    expect(Buffer.from(stdin!)).toEqual(content);
  });
});

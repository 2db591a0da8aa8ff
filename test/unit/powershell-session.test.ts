/**
 * The Windows side run by real PowerShell: the session every Windows command goes through, and the
 * primitives, with Windows-only cmdlets given as functions that return what Microsoft documents. A
 * script that is wrong as PowerShell fails here.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { ATOMIC_WRITE_PS, bindPowerShellVariables } from '../../src/dialect/powershell';
import { SESSION_COMMAND_LINE, SESSION_FRAME, WINDOWS_STEP_LOCK } from '../../src/runner/powershell-session';
import { AgentResponse, FRAME_MISMATCH_STATUS, frameRequest } from '../../src/runner/shell-agent';
import { LocalPowerShellSession, spawnPowerShellSession } from '../support/powershell-session';
import { RemoteHost } from '../../src/runner/remote-host';
import { LOCAL_HOST } from '../support/local-executor';
import { LIST_ADAPTER_ADDRESSES_PS } from '../../src/dialect/windows-primitives';
import { parseAdapters } from '../../constructs/dataminer-failover-pair/parse';
import { runPowerShell } from '../support/powershell';

// Each test starts real PowerShell sessions (about 2 s each, more on a busy machine).
jest.setTimeout(60_000);
/**
 * Get-NetIPAddress (NetTCPIP module): MSFT_NetIPAddress objects with InterfaceAlias, InterfaceIndex
 * and IPAddress (a string); -AddressFamily filters them. Get-NetAdapter (NetAdapter module):
 * MSFT_NetAdapter objects with InterfaceIndex, MacAddress, HardwareInterface and Virtual.
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
}
function Get-NetAdapter {
  @(
    [pscustomobject]@{ Name = 'Ethernet'; InterfaceIndex = [uint32]4; MacAddress = '02-CF-18-00-0C-01'; HardwareInterface = $true; Virtual = $false },
    [pscustomobject]@{ Name = 'Ethernet 2'; InterfaceIndex = [uint32]12; MacAddress = '02-CF-18-00-0D-01'; HardwareInterface = $false; Virtual = $true },
    [pscustomobject]@{ Name = 'Ethernet 3'; InterfaceIndex = [uint32]15; MacAddress = '02-CF-18-00-0E-01'; HardwareInterface = $true; Virtual = $false }
  )
}`;

describe('LIST_ADAPTER_ADDRESSES_PS under PowerShell', () => {
  it('prints one tab-separated line per address, which the parser reads as adapters in interface order', () => {
    const run = runPowerShell(LIST_ADAPTER_ADDRESSES_PS, GET_NET_IP_ADDRESS);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(parseAdapters(run.stdout)).toEqual([
      { name: 'Ethernet', mac: '02-CF-18-00-0C-01', physical: true, addresses: ['10.0.0.12', '10.0.0.50'] },
      { name: 'Ethernet 2', mac: '02-CF-18-00-0D-01', physical: false, addresses: ['10.0.1.12'] },
    ]);
  });
});

const run = (script: string, vars: Record<string, string> = {}, stdin?: Buffer, timeoutSeconds = 30) => ({
  command: bindPowerShellVariables(script, vars),
  timeoutSeconds,
  ...(stdin ? { stdin } : {}),
});
const text = (r: AgentResponse) => ({
  status: r.status,
  stdout: r.stdout.toString('utf8'),
  stderr: r.stderr.toString('utf8'),
});

describe('the PowerShell session, run by PowerShell', () => {
  let session: LocalPowerShellSession;
  beforeEach(() => (session = new LocalPowerShellSession()));
  afterEach(() => session.close());

  it('answers each script with its own exit code, output and errors, in one batch', async () => {
    const agent = await session.agent();
    const answers = await agent.batch(
      [
        run("Write-Output $name; [Console]::Error.WriteLine('to stderr'); exit 3", { name: "it's" }),
        run("Write-Output 'fine'"),
        run("throw 'broken'"),
        run('Get-Item -LiteralPath $path', { path: '/nonexistent/x' }),
        run("$ErrorActionPreference = 'Continue'; Write-Error 'not fatal'; Write-Output 'went on'"),
      ],
      60_000,
    );
    expect(answers.map(text)).toEqual([
      { status: 3, stdout: "it's\r\n", stderr: 'to stderr\n' },
      { status: 0, stdout: 'fine\r\n', stderr: '' },
      { status: 1, stdout: '', stderr: expect.stringContaining('broken') },
      { status: 1, stdout: '', stderr: expect.stringContaining("Cannot find path '/nonexistent/x'") },
      { status: 0, stdout: 'went on\r\n', stderr: expect.stringContaining('not fatal') },
    ]);
  });

  it('gives a script the input bytes exactly, and nothing else reads them', async () => {
    const agent = await session.agent();
    const bytes = Buffer.from([0, 13, 10, 255, 0x27, 0x60, 65]);
    const [answer] = await agent.batch([run('[Convert]::ToBase64String($cdktfInput)', {}, bytes)], 60_000);
    expect(text(answer)).toEqual({ status: 0, stdout: `${bytes.toString('base64')}\r\n`, stderr: '' });
  });

  it('skips the rest of a batch after a failed command that had to succeed, and runs the next batch', async () => {
    const agent = await session.agent();
    const first = await agent.batch(
      [{ ...run('exit 4'), mustSucceed: true }, run("Write-Output 'must not run'")],
      60_000,
    );
    expect(first.map((a) => a.status)).toEqual([4, 'skipped']);
    const [next] = await agent.batch([run("Write-Output 'next'")], 60_000);
    expect(text(next)).toEqual({ status: 0, stdout: 'next\r\n', stderr: '' });
  });

  it('stops a script past its timeout with every process it started, and goes on serving', async () => {
    const agent = await session.agent();
    const marker = path.join(os.tmpdir(), `failover-session-child-${process.pid}`);
    fs.rmSync(marker, { force: true });
    const started = Date.now();
    const [late, after] = await agent.batch(
      [
        run('& sh -c \'sleep 20; touch "$1"\' sh $marker', { marker }, undefined, 2),
        run("Write-Output 'still here'"),
      ],
      60_000,
    );
    expect(late.status).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(text(after)).toEqual({ status: 0, stdout: 'still here\r\n', stderr: '' });
    // The child's tree was killed: no process of it is left, and the sleep never reaches its touch.
    const left = execFileSync('ps', ['-e', '-o', 'args='], { encoding: 'utf8' });
    expect(left.split('\n').filter((line) => line.includes(marker))).toEqual([]);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('leaves nothing of its frames on stdin for a program a script starts (it inherits stdin)', async () => {
    const agent = await session.agent();
    const answers = await agent.batch(
      [
        run('$taken = & timeout 2 head -c 20; Write-Output "took [$taken]"; exit 0'),
        run("Write-Output 'next request intact'"),
      ],
      60_000,
    );
    expect(answers.map(text)).toEqual([
      { status: 0, stdout: 'took []\r\n', stderr: '' },
      { status: 0, stdout: 'next request intact\r\n', stderr: '' },
    ]);
  });

  it('takes the host step lock as a named mutex; a second session waits, then is refused', async () => {
    const agent = await session.agent();
    const lock = { command: WINDOWS_STEP_LOCK, timeoutSeconds: 5, lock: true };
    const [held] = await agent.batch([lock], 60_000);
    expect(text(held)).toEqual({ status: 0, stdout: WINDOWS_STEP_LOCK, stderr: '' });
    const other = new LocalPowerShellSession();
    try {
      const second = await other.agent();
      const [refused, skipped] = await second.batch([{ ...lock, timeoutSeconds: 1 }, run('exit 0')], 60_000);
      expect([refused.status, skipped.status]).toEqual([1, 'skipped']);
      await session.close();
      const [now] = await second.batch([{ ...lock, timeoutSeconds: 5 }], 60_000);
      expect(now.status).toBe(0);
    } finally {
      await other.close();
    }
  });
});

describe('the session runs nothing it did not receive whole', () => {
  const finish = (child: ReturnType<typeof spawnPowerShellSession>['child']) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });

  it('a session script cut short or damaged never starts', async () => {
    for (const frame of [
      SESSION_FRAME.subarray(0, SESSION_FRAME.length - 10),
      Buffer.concat([SESSION_FRAME.subarray(0, SESSION_FRAME.length - 1), Buffer.from(' ')]),
    ]) {
      const { child, bin } = spawnPowerShellSession(frame);
      child.stdin.end();
      const result = await finish(child);
      fs.rmSync(bin, { recursive: true, force: true });
      expect(result.code).toBe(FRAME_MISMATCH_STATUS);
      expect(result.stdout).not.toContain('ready');
    }
  });

  it('a request cut short or with damaged input ends the session before any of it runs', async () => {
    const marker = path.join(os.tmpdir(), `failover-session-ran-${process.pid}`);
    const touch = {
      command: bindPowerShellVariables("[IO.File]::WriteAllText($marker, 'ran')", { marker }),
      timeoutSeconds: 10,
    };
    const whole = frameRequest(1, { ...touch, stdin: Buffer.from('payload') });
    const damaged = Buffer.from(whole);
    damaged[damaged.length - 1] ^= 1;
    for (const request of [whole.subarray(0, whole.length - 3), damaged]) {
      fs.rmSync(marker, { force: true });
      const { child, bin } = spawnPowerShellSession();
      child.stdin.end(request);
      const result = await finish(child);
      fs.rmSync(bin, { recursive: true, force: true });
      expect(result.code).toBe(FRAME_MISMATCH_STATUS);
      expect(result.stderr).toContain('nothing of it was run');
      expect(fs.existsSync(marker)).toBe(false);
    }
  });
});

describe('ATOMIC_WRITE_PS in the session', () => {
  let dir: string;
  let session: LocalPowerShellSession;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'failover-pwsh-write-'));
    session = new LocalPowerShellSession();
  });
  afterEach(async () => {
    await session.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes exactly the bytes it was given, NUL and CR LF included, keeping the previous file', async () => {
    const host = new RemoteHost({ ...LOCAL_HOST, os: 'windows' }, session);
    const target = path.join(dir, 'sub', 'DB.xml');
    const first = Buffer.from('<DataBase>\r\n\0\xff</DataBase>', 'latin1');
    expect(await host.writeFile(target, first)).toBeUndefined();
    expect(fs.readFileSync(target)).toEqual(first);
    const second = Buffer.from('<DataBase pwd="s3cr3t"/>');
    const backup = await host.writeFile(target, second);
    expect(backup).toMatch(/DB\.xml\.cdktf-failover-backup-\d{8}T\d{9}Z$/);
    expect(fs.readFileSync(target)).toEqual(second);
    expect(fs.readFileSync(backup!)).toEqual(first);
    expect(await host.readFile(target)).toBe(second.toString());
  });

  it('writes nothing when fewer bytes arrive than announced', async () => {
    const target = path.join(dir, 'DB.xml');
    fs.writeFileSync(target, 'kept\n');
    const agent = await session.agent();
    const [answer] = await agent.batch(
      [
        run(
          ATOMIC_WRITE_PS,
          { path: target, suffix: '.bak', keep: '5', length: '100' },
          Buffer.from('cut sh'),
        ),
      ],
      60_000,
    );
    expect(answer.status).toBe(65);
    expect(answer.stderr.toString()).toContain('short input for');
    expect(fs.readFileSync(target, 'utf8')).toBe('kept\n');
    expect(fs.readdirSync(dir)).toEqual(['DB.xml']);
  });
});

describe('what a Windows host receives on its command line', () => {
  it('is only the bootstrap: a file write puts its content and its script on stdin, far below 8,191 characters', async () => {
    const lines: string[] = [];
    const stdins: Buffer[] = [];
    const session = new LocalPowerShellSession();
    try {
      const host = new RemoteHost(
        { ...LOCAL_HOST, os: 'windows' },
        {
          exec: () => Promise.reject(new Error('no channel of its own')),
          agent: async () => {
            const agent = await session.agent();
            return {
              batch: (requests, timeoutMs) => {
                for (const r of requests) {
                  lines.push(SESSION_COMMAND_LINE);
                  stdins.push(Buffer.concat([Buffer.from(r.command), Buffer.from(r.stdin ?? '')]));
                }
                return agent.batch(requests, timeoutMs);
              },
            };
          },
        },
      );
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'failover-pwsh-line-'));
      const content = Buffer.from(`<DataBase pwd="planted-secret-4711">${'x'.repeat(64 * 1024)}</DataBase>`);
      await host.writeFile(path.join(dir, 'DB.xml'), content);
      fs.rmSync(dir, { recursive: true, force: true });
      expect(SESSION_COMMAND_LINE.length).toBeLessThan(8191);
      const bootstrap = Buffer.from(SESSION_COMMAND_LINE.split(' ').pop()!, 'base64').toString('utf16le');
      for (const text of [SESSION_COMMAND_LINE, bootstrap]) {
        expect(text).not.toContain('planted-secret-4711');
        expect(text).not.toContain(ATOMIC_WRITE_PS.slice(0, 40));
      }
      expect(Buffer.concat(stdins).includes(content)).toBe(true);
    } finally {
      await session.close();
    }
  });
});

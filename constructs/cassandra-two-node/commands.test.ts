import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RemoteCommand } from '../../src/actions';
import { bindPowerShellVariables, READ_FILE_PS } from '../../src/dialect/powershell';
import { RemoteHost } from '../../src/runner/remote-host';
import { LOCAL_HOST, LocalExecutor } from '../../test/support/local-executor';
import { PowerShellGrammar } from '../../test/support/powershell-grammar';
import {
  ALL_POWERSHELL_SCRIPTS,
  AWAIT_UN_SCRIPT,
  FIRST_DATA_FILE_SCRIPT,
  PORT_CHECK_SCRIPT,
  POSIX_QUERIES,
  POSIX_SERVICE_CONTROL,
  POWERSHELL_QUERIES,
} from './commands';
import { SET_ASIDE_SCRIPT } from './commands';

/** Values a prop could smuggle code in with, in either dialect. */
const HOSTILE = `x'; Remove-Item -Recurse C:\\ ; $(touch /tmp/pwned) \`id\` "; exit 9 ‘’`;

let grammar: PowerShellGrammar;
beforeAll(async () => {
  grammar = await PowerShellGrammar.load();
});
const syntaxErrors = (script: string) => grammar.syntaxErrors(script);
const topLevelStatements = (script: string) => grammar.topLevelStatements(script);

/** Every PowerShell command the construct builds, with realistic values. */
function powershellCommands(value = 'C:\\Program Files\\Cassandra\\bin\\nodetool.bat'): RemoteCommand[] {
  return [
    POWERSHELL_QUERIES.serviceState(value),
    POWERSHELL_QUERIES.nodetool(value, 'version'),
    POWERSHELL_QUERIES.nodetool(value, 'status'),
    POWERSHELL_QUERIES.nodetool(value, 'describecluster'),
    POWERSHELL_QUERIES.portCheck(value, 7000),
    POWERSHELL_QUERIES.firstDataFile(value),
  ];
}

describe('PowerShell scripts, parsed by the PowerShell grammar', () => {
  it('the grammar does catch broken PowerShell', () => {
    expect(syntaxErrors('if ($x { exit 0 }')).not.toEqual([]);
    expect(syntaxErrors("$a = 'unterminated")).not.toEqual([]);
  });

  // The core's file read is sent too: for cassandra.yaml and the pending-restart marker.
  it.each(Object.entries({ ...ALL_POWERSHELL_SCRIPTS, READ_FILE_PS }))(
    '%s parses without error',
    (_name, script) => {
      expect(syntaxErrors(script)).toEqual([]);
    },
  );

  it('every command as sent (variables bound) parses without error', () => {
    for (const command of powershellCommands()) {
      if (!('powershell' in command)) throw new Error('expected PowerShell');
      expect(syntaxErrors(bindPowerShellVariables(command.powershell, command.vars))).toEqual([]);
    }
  });

  it('a hostile value stays one string literal: same statements, no syntax error', () => {
    for (const [plain, hostile] of powershellCommands().map((c, i) => [c, powershellCommands(HOSTILE)[i]])) {
      if (!('powershell' in plain) || !('powershell' in hostile)) throw new Error('expected PowerShell');
      const sent = bindPowerShellVariables(hostile.powershell, hostile.vars);
      expect(syntaxErrors(sent)).toEqual([]);
      expect(topLevelStatements(sent)).toBeGreaterThan(3);
      expect(topLevelStatements(sent)).toBe(
        topLevelStatements(bindPowerShellVariables(plain.powershell, plain.vars)),
      );
    }
  });
});

describe('POSIX scripts', () => {
  it.each([
    ['PORT_CHECK_SCRIPT', PORT_CHECK_SCRIPT],
    ['FIRST_DATA_FILE_SCRIPT', FIRST_DATA_FILE_SCRIPT],
    ['AWAIT_UN_SCRIPT', AWAIT_UN_SCRIPT],
    ['SET_ASIDE_SCRIPT', SET_ASIDE_SCRIPT],
  ])('%s parses with sh -n', (_name, script) => {
    const r = spawnSync('sh', ['-n', '-c', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('uses systemctl the way the emulator and the man page agree: status for state, restart and stop by name', () => {
    expect(POSIX_QUERIES.serviceState('cassandra')).toEqual({
      argv: ['systemctl', '--no-pager', 'status', '--', 'cassandra'],
    });
    expect(POSIX_SERVICE_CONTROL.restart('cassandra')).toEqual({
      argv: ['systemctl', 'restart', '--', 'cassandra'],
    });
    expect(POSIX_SERVICE_CONTROL.stop('cassandra')).toEqual({
      argv: ['systemctl', 'stop', '--', 'cassandra'],
    });
    expect(POSIX_QUERIES.nodetool('/opt/cassandra/bin/nodetool', 'describecluster')).toEqual({
      argv: ['/opt/cassandra/bin/nodetool', 'describecluster'],
    });
  });
});

describe('POSIX commands run for real, with hostile values', () => {
  let dir: string;
  let host: RemoteHost;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cassandra-cmd-'));
    host = new RemoteHost(LOCAL_HOST, new LocalExecutor(), path.join(dir, 'state'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('the port check connects to a listening port and refuses a closed one', async () => {
    const server = net.createServer((s) => s.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      expect((await host.run(POSIX_QUERIES.portCheck('127.0.0.1', port))).code).toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect((await host.run(POSIX_QUERIES.portCheck('127.0.0.1', port))).code).not.toBe(0);
  });

  it('finds the first data file, nothing in an empty tree or a missing directory', async () => {
    fs.mkdirSync(`${dir}/data/system`, { recursive: true });
    expect((await host.run(POSIX_QUERIES.firstDataFile(`${dir}/data`))).stdout).toBe('');
    expect((await host.run(POSIX_QUERIES.firstDataFile(`${dir}/missing`))).stdout).toBe('');
    fs.writeFileSync(`${dir}/data/system/local.db`, 'x');
    expect((await host.run(POSIX_QUERIES.firstDataFile(`${dir}/data`))).stdout.trim()).toBe(
      `${dir}/data/system/local.db`,
    );
  });

  it('the health gate waits for UN, and fails naming the last status line when it never comes', async () => {
    const fake = `${dir}/nodetool`;
    fs.writeFileSync(fake, `#!/bin/sh\nprintf 'UJ  10.0.0.1   1 KB  16  ?  id  rack1\\n'\n`, { mode: 0o755 });
    const failed = await host.run(POSIX_SERVICE_CONTROL.awaitUn(fake, '10.0.0.1', 1));
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('cassandra at 10.0.0.1 is not UN after 1 s (last seen: UJ  10.0.0.1');
    fs.writeFileSync(
      fake,
      `#!/bin/sh\nprintf 'UN  10.0.0.10  1 KB  16  ?  id  rack1\\nUN  10.0.0.1   1 KB  16  ?  id  rack1\\n'\n`,
      { mode: 0o755 },
    );
    expect((await host.run(POSIX_SERVICE_CONTROL.awaitUn(fake, '10.0.0.1', 5))).code).toBe(0);
    // 10.0.0.1 is not 10.0.0.10: the address is compared whole, not as a pattern.
    fs.writeFileSync(fake, `#!/bin/sh\nprintf 'UN  10.0.0.10  1 KB  16  ?  id  rack1\\n'\n`, { mode: 0o755 });
    expect((await host.run(POSIX_SERVICE_CONTROL.awaitUn(fake, '10.0.0.1', 1))).stderr).toContain(
      'last seen: not listed',
    );
  });

  it('never runs a hostile value', async () => {
    const marker = `${dir}/pwned`;
    const evil = `x; touch ${marker}; $(touch ${marker}) \`touch ${marker}\``;
    await host.run(POSIX_QUERIES.portCheck(evil, 7000));
    await host.run(POSIX_QUERIES.firstDataFile(evil));
    await host.run(POSIX_SERVICE_CONTROL.awaitUn('true', evil, 1));
    await host.run(POSIX_QUERIES.nodetool(evil, 'version'));
    expect(fs.existsSync(marker)).toBe(false);
  });
});

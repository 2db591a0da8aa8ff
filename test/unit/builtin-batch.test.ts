/** The batched built-in actions fed with fact fixtures: what the files hold in, the commands out. */
import { READ_FILES_SCRIPT, WRITE_FILES_SCRIPT } from '../../src/dialect/posix';
import { describeAction } from '../../src/runner/action-handler';
import { BuiltinAction, runBuiltinSegment } from '../../src/runner/builtin-batch';
import { fixtureHost, ReceivedCommand } from '../support/fixture-host';
import { LOCAL_HOST } from '../support/local-executor';

/** A host with these files (path → content, mode 0644 root:root); writes land in the same map. */
function hostWithFiles(files: Map<string, string>) {
  return fixtureHost(LOCAL_HOST, ({ argv, stdin }: ReceivedCommand) => {
    if (argv[2] === READ_FILES_SCRIPT) {
      const records = argv.slice(4).map((p) => {
        const content = files.get(p);
        return content === undefined
          ? 'M\n'
          : `F\n644\nroot\nroot\n${Buffer.byteLength(content)}\n${content}`;
      });
      return { stdout: records.join('') };
    }
    if (argv[2] === WRITE_FILES_SCRIPT) {
      // After the script: the number of backups to keep, then six arguments per file.
      const args = argv.slice(5);
      let at = 0;
      const lines: string[] = [];
      for (let i = 0; i < args.length; i += 6) {
        const size = Number(args[i + 5]);
        const had = files.has(args[i]);
        files.set(args[i], stdin.slice(at, at + size));
        at += size;
        lines.push(had && args[i + 4] ? `${args[i]}${args[i + 4]}` : '-');
      }
      return { stdout: `${lines.join('\n')}\n` };
    }
    return { code: 127, stderr: `unexpected: ${argv.join(' ')}` };
  });
}

const options = { stepId: 's', checkOnly: false, describe: describeAction };

test('files as wanted: one command reads them all, nothing is written', async () => {
  const files = new Map([
    ['/etc/a', 'a\n'],
    ['/etc/b.ini', '[s]\nk = v\n'],
  ]);
  const { host, executor, traffic } = hostWithFiles(files);
  const actions: BuiltinAction[] = [
    { kind: 'file', path: '/etc/a', content: 'a\n' },
    { kind: 'config', format: 'ini', path: '/etc/b.ini', settings: [{ key: 's.k', value: 'v' }] },
  ];
  const reports = await runBuiltinSegment(host, actions, options);
  expect(reports.map((r) => r.outcome)).toEqual(['ok', 'ok']);
  expect(executor.received.map((c) => c.argv.slice(4))).toEqual([['/etc/a', '/etc/b.ini']]);
  expect(traffic.roundTrips).toBe(1);
});

test('what differs is written in one command, content on stdin, then read back', async () => {
  const hostile = "$(touch /tmp/pwned) `id` '; rm -rf /\n";
  const files = new Map([['/etc/a', 'old\n']]);
  const { host, executor, traffic } = hostWithFiles(files);
  const actions: BuiltinAction[] = [
    { kind: 'file', path: '/etc/a', content: hostile, mode: '0640' },
    { kind: 'line', path: '/etc/hosts', line: '198.18.0.12 peer' },
  ];
  const reports = await runBuiltinSegment(host, actions, options);
  expect(reports.map((r) => r.outcome)).toEqual(['changed', 'changed']);
  expect(reports[0].detail).toMatch(
    /^previous content kept in \/etc\/a\.cdktf-failover-backup-\d{8}T\d{9}Z$/,
  );
  const write = executor.received[1];
  expect(write.argv[2]).toBe(WRITE_FILES_SCRIPT);
  expect(write.argv[4]).toBe('5');
  expect(write.argv.slice(5).filter((_, i) => i % 6 !== 4)).toEqual([
    '/etc/a',
    '0640',
    '',
    '',
    String(Buffer.byteLength(hostile)),
    '/etc/hosts',
    '',
    '',
    '',
    '17',
  ]);
  // Content travels as data on stdin, never in the command line.
  expect(write.stdin).toBe(`${hostile}198.18.0.12 peer\n`);
  expect(executor.received.some((c) => c.argv.join(' ').includes('pwned'))).toBe(false);
  expect(files.get('/etc/hosts')).toBe('198.18.0.12 peer\n');
  expect(traffic.roundTrips).toBe(3);
});

test('check mode: one round trip, what would change, nothing written', async () => {
  const { host, executor } = hostWithFiles(new Map());
  const reports = await runBuiltinSegment(host, [{ kind: 'file', path: '/etc/a', content: 'x' }], {
    ...options,
    checkOnly: true,
  });
  expect(reports).toEqual([{ action: 'file /etc/a', outcome: 'changed', detail: 'would create' }]);
  expect(executor.received).toHaveLength(1);
});

/** NfsSharedDir's handlers fed with fact fixtures: what the host holds in, commands or a no-op out. */
import type { ActionContext } from '../../src/runner/action-handler';
import type { RemoteHost } from '../../src/runner/remote-host';
import { fixtureHost, ReceivedCommand } from '../../test/support/fixture-host';
import { LOCAL_HOST } from '../../test/support/local-executor';
import { EXPORT_TABLE_KIND, ExportTableAction } from './actions';
import { NFS_SHARED_DIR_HANDLERS } from './handlers';

const action: ExportTableAction = {
  kind: EXPORT_TABLE_KIND,
  description: 'the export table',
  exportPath: '/srv/da-shared',
  clients: ['198.18.0.14', '198.18.0.15'],
  options: ['rw', 'sync', 'no_subtree_check', 'root_squash', 'sec=sys'],
};

const TABLE =
  '/srv/da-shared\t198.18.0.14(sync,wdelay,hide,no_subtree_check,sec=sys,rw,secure,root_squash,no_all_squash)\n' +
  '/srv/da-shared\t198.18.0.15(sync,wdelay,hide,no_subtree_check,sec=sys,rw,secure,root_squash,no_all_squash)\n';

function context(host: RemoteHost, checkOnly = false): ActionContext {
  return { host, connect: async () => host, checkOnly, aboutToChange: async () => undefined };
}

/** A server whose table is `before` until `exportfs -ra` runs, then `after`. */
function server(before: string, after = TABLE) {
  let table = before;
  return fixtureHost(LOCAL_HOST, ({ argv }: ReceivedCommand) => {
    if (argv.join(' ') === 'exportfs -v') return { stdout: table };
    if (argv.join(' ') === 'exportfs -ra') return ((table = after), {});
    throw new Error(`unexpected command: ${argv.join(' ')}`);
  });
}

const exportTable = NFS_SHARED_DIR_HANDLERS[EXPORT_TABLE_KIND];

test('the table as wanted: one read, no change, and the report says why', async () => {
  const { host, executor } = server(TABLE);
  await expect(exportTable(action, context(host))).resolves.toEqual({
    changed: false,
    detail: 'the export table is as wanted',
  });
  expect(executor.received.map((c) => c.argv.join(' '))).toEqual(['exportfs -v']);
});

test('a client missing from the table: exportfs -ra, then the table read again', async () => {
  const { host, executor } = server(TABLE.split('\n')[0] + '\n');
  const result = await exportTable(action, context(host));
  expect(result.changed).toBe(true);
  expect(result.detail).toMatch(/^exportfs -ra \(the table .*198\.18\.0\.15/);
  expect(executor.received.map((c) => c.argv.join(' '))).toEqual([
    'exportfs -v',
    'exportfs -ra',
    'exportfs -v',
  ]);
});

test('check mode says what would run and runs nothing', async () => {
  const { host, executor } = server('');
  const result = await exportTable(action, context(host, true));
  expect(result).toMatchObject({ changed: true, detail: expect.stringMatching(/^would run exportfs -ra/) });
  expect(executor.received.map((c) => c.argv.join(' '))).toEqual(['exportfs -v']);
});

test('a table still wrong after exportfs -ra fails, saying where to look', async () => {
  const { host } = server('', '');
  await expect(exportTable(action, context(host))).rejects.toThrow(
    /exportfs -ra ran on local, but its export table still .*Check \/etc\/exports and \/etc\/exports.d/,
  );
});

/**
 * The network paths' probe against scripted hosts: the listener on a target, the probe on a source.
 */
import type { ExecResult } from '../../src/runner/ssh-session';
import type { HostConfig } from '../../src/schema/host';
import { FixtureExecutor, ReceivedCommand } from '../../test/support/fixture-host';
import { LOCAL_HOST } from '../../test/support/local-executor';
import { RemoteHost, Traffic } from '../../src/runner/remote-host';
import type { NetworkPath } from './actions';
import { PROBE_PY } from './commands';
import { checkPaths } from './probe-paths';

const host = (name: string, address: string): HostConfig => ({ ...LOCAL_HOST, name, address });

/** A host whose listener (run beside its shell) ends at once with `report`, and whose probes all connect. */
class ScriptedHost extends FixtureExecutor {
  constructor(private readonly listenerReport: string) {
    super((c: ReceivedCommand) => {
      if (c.argv[2]?.startsWith('py=') && c.argv[4] === PROBE_PY)
        return { stdout: JSON.stringify(c.argv.slice(8).map((spec) => ({ spec, ok: true }))) };
      // The listener's ready file: already gone from view when it is looked at.
      if (c.argv.some((a) => a.startsWith('/tmp/cdktf-failover-listener-')) && c.argv[0] !== 'rm')
        return { code: 3 };
      return { code: 0 };
    });
  }

  override async exec(): Promise<ExecResult> {
    return { code: 0, stdout: Buffer.from(this.listenerReport), stderr: Buffer.alloc(0), durationMs: 5 };
  }
}

const proxy = host('proxy', '10.0.0.10');
const aggregator = host('da1', '10.0.0.11');
const consulRpc: NetworkPath = {
  from: proxy,
  toHost: aggregator,
  toAddress: aggregator.address,
  toLabel: 'da1',
  protocol: 'tcp',
  port: 8300,
  purpose: 'Consul server RPC',
};

it('takes the report of a listener that ended before its ready file was seen (every port already in use)', async () => {
  const hosts = new Map([
    ['proxy', new RemoteHost(proxy, new ScriptedHost(''), '/var/lib/cdktf-failover', new Traffic())],
    [
      'da1',
      new RemoteHost(
        aggregator,
        new ScriptedHost('{"busy": ["tcp:8300"], "received": []}\n'),
        '/var/lib/cdktf-failover',
        new Traffic(),
      ),
    ],
  ]);
  const problems = await checkPaths([consulRpc], async (h) => hosts.get(h.name!)!, new Set());
  expect(problems).toEqual([]);
});

it('still names a listener that ended without a report', async () => {
  const hosts = new Map([
    ['proxy', new RemoteHost(proxy, new ScriptedHost(''), '/var/lib/cdktf-failover', new Traffic())],
    [
      'da1',
      new RemoteHost(
        aggregator,
        new ScriptedHost('Traceback: boom\n'),
        '/var/lib/cdktf-failover',
        new Traffic(),
      ),
    ],
  ]);
  const problems = await checkPaths([consulRpc], async (h) => hosts.get(h.name!)!, new Set());
  expect(problems).toEqual([
    expect.stringContaining('da1: cannot listen for the network checks: the listener exited 0'),
  ]);
});

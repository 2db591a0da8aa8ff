/**
 * The upgrade handler against scripted hosts: a proxy whose tunnel reaches a healthy Consul API,
 * and an aggregator pair that follows the maintenance and activate hooks as KB 106988 has them.
 * Facts and markers in; the moves it makes, in order, out.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { READ_FILE_SCRIPT, WRITE_FILES_SCRIPT } from '../../src/dialect/posix';
import { ActionRegistry } from '../../src/runner/action-registry';
import { executeStep } from '../../src/runner/execute-step';
import { RemoteHost } from '../../src/runner/remote-host';
import { toStepSpec } from '../../src/step';
import { daStatusAnswer } from '../../test/lab/emulators/netops/status-variants';
import { FixtureExecutor, ReceivedCommand } from '../../test/support/fixture-host';
import { DA_RUN, DADAEMON_VERB, HOST_FACTS, MAKE_STAGING, RUN_INSTALLER } from './commands';
import { FAULT_TOLERANT_AGGREGATOR_HANDLERS } from './handlers';
import { planFaultTolerantAggregatorSteps } from './plan';
import { faultTolerantAggregatorSchema, FaultTolerantAggregatorProps } from './props';
import { validProps } from './test-props';
import { UPGRADE_MARKER } from './upgrade-rules';

const registry = new ActionRegistry().add('FaultTolerantAggregator', FAULT_TOLERANT_AGGREGATOR_HANDLERS);
const isScript = (c: ReceivedCommand, script: string) => c.argv[0] === 'sh' && c.argv[2] === script;
const A = '24.3.0';
const B = '24.4.0';
const MARKER = `/var/lib/cdktf-failover/pending/${UPGRADE_MARKER}`;
const STARTED_S = Date.UTC(2026, 11, 2, 20, 0, 0) / 1000;
const READY =
  '2026-12-02T20:00:01,000 | INFO  | FelixStartLevel  | RequestProcessor | Add RequestProcessor as messageListener for queue://DADistItemRepositoryMgr';

/** Version B of every installer, with allowUpgrade: a raised version on a deployed stack. */
function propsAt(version: string): FaultTolerantAggregatorProps {
  const p = validProps();
  const at = <T extends { installer: object }>(role: T): T => ({
    ...role,
    installer: { ...role.installer, version, allowUpgrade: true },
  });
  return {
    ...p,
    proxy: at(p.proxy),
    aggregators: at(p.aggregators),
    dataCollectors: at(p.dataCollectors!),
    healthTimeoutSeconds: 2,
  };
}

let consul: http.Server;
let consulPort: number;
beforeAll(async () => {
  const api: Record<string, unknown> = {
    '/v1/status/leader': '10.0.0.30:8300',
    '/v1/status/peers': ['10.0.0.30:8300', '10.0.0.11:8300', '10.0.0.12:8300'],
    '/v1/agent/members': ['proxy', 'da1', 'da2'].map((Name, i) => ({ Name, Addr: `10.0.0.${i}`, Status: 1 })),
    '/v1/health/state/critical': [],
  };
  consul = http.createServer((request, response) => {
    const body = api[request.url ?? ''];
    response.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body ?? 'not found'));
  });
  await new Promise<void>((resolve) => consul.listen(0, '127.0.0.1', resolve));
  consulPort = (consul.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => consul.close(() => resolve())));

class ProxyExecutor extends FixtureExecutor {
  async forward(): Promise<Duplex> {
    const socket = net.connect(consulPort, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return socket;
  }
}

type State = 'Active' | 'Inactive' | 'Maintenance';

interface Site {
  /** What each host's completion record says (undefined: none). */
  readonly records: Record<string, string | undefined>;
  readonly states: Record<string, State>;
  readonly markers: Set<string>;
  /** Every change the hosts saw, in order: "da2 maintenance", "da2 install", "proxy marker set". */
  readonly moves: string[];
  /** The installer fails on these hosts. */
  readonly failInstall: Set<string>;
}

/** Answers one host of the site; its files are the record and the marker, nothing else. */
function answer(site: Site, name: string, c: ReceivedCommand) {
  const other = name === 'da1' ? 'da2' : 'da1';
  if (isScript(c, HOST_FACTS)) {
    const record = site.records[name];
    return {
      stdout: `os=Linux\npython=/usr/bin/python3\ninstaller=executable\nunpack=/tmp\nfreeKiB=99999999\ninstalled=yes\n${record ? `recorded=${record} 20261124T101010Z\n` : ''}`,
    };
  }
  if (isScript(c, READ_FILE_SCRIPT))
    return c.argv[4] === MARKER && site.markers.has(name) ? { stdout: 'upgrading\n' } : { code: 3 };
  if (isScript(c, WRITE_FILES_SCRIPT)) {
    if (c.argv[5] === MARKER) {
      site.markers.add(name);
      site.moves.push(`${name} marker set`);
    } else site.records[name] = c.stdin.split(' ')[0];
    return { stdout: '-\n' };
  }
  if (c.argv[0] === 'rm' && c.argv[3] === MARKER) {
    site.markers.delete(name);
    site.moves.push(`${name} marker cleared`);
    return {};
  }
  if (isScript(c, MAKE_STAGING)) return { stdout: '/root/.cdktf-failover-stage.Zq3xY7kP0a\n' };
  if (isScript(c, RUN_INSTALLER)) {
    site.moves.push(`${name} install`);
    site.records[name] = undefined;
    return site.failInstall.has(name) ? { code: 1, stderr: 'Installation failed: disk full' } : {};
  }
  if (isScript(c, DADAEMON_VERB)) return daStatusAnswer('line', site.states[name]);
  if (isScript(c, DA_RUN)) {
    const active = site.states[name] === 'Active';
    return {
      stdout: `${active ? `process=4242 ${STARTED_S}.00 +0000\n` : ''}logged=/opt/IMDataAggregator/apache-karaf-4.4.3/data/log/karaf.log\t${READY}\nlogs=1\n`,
    };
  }
  if (c.argv[0] === '/opt/IMDataAggregator/scripts/dadaemon') {
    const verb = c.argv[1];
    site.moves.push(`${name} ${verb}`);
    if (verb === 'maintenance') {
      if (site.states[name] === 'Active') site.states[other] = 'Active';
      site.states[name] = 'Maintenance';
    }
    if (verb === 'activate') site.states[name] = site.states[other] === 'Active' ? 'Inactive' : 'Active';
    return {};
  }
  return {};
}

function deployedSite(overrides: Partial<Site> = {}): Site {
  return {
    records: { proxy: A, da1: A, da2: A },
    states: { da1: 'Active', da2: 'Inactive' },
    markers: new Set(),
    moves: [],
    failInstall: new Set(),
    ...overrides,
  };
}

async function runUpgrade(site: Site, options: { checkOnly?: boolean; version?: string } = {}) {
  const steps = planFaultTolerantAggregatorSteps(
    faultTolerantAggregatorSchema.parse(propsAt(options.version ?? B)),
    {
      mountPath: '/DASharedRepo',
    },
  );
  const step = steps.find((s) => s.id === 'upgrade')!;
  const hosts = new Map<string, RemoteHost>();
  const connect = async (h: { name?: string; address: string }) => {
    const name = h.name ?? h.address;
    if (!hosts.has(name)) {
      const executor = name === 'proxy' ? ProxyExecutor : FixtureExecutor;
      hosts.set(
        name,
        new RemoteHost(h as never, new executor((c) => answer(site, name, c)), '/var/lib/cdktf-failover'),
      );
    }
    return hosts.get(name)!;
  };
  process.env.DR_PASSWORD = 'not-used-by-an-upgrade';
  return executeStep(toStepSpec(step), {
    connect: connect as never,
    handlers: registry,
    checkOnly: options.checkOnly ?? false,
  });
}

describe('the upgrade of a deployed site', () => {
  it('lists the order in check mode and changes nothing', async () => {
    const site = deployedSite();
    const report = await runUpgrade(site, { checkOnly: true });
    expect(report.outcome).toBe('changed');
    expect(report.actions[0].detail).toBe(
      'would upgrade, in order: proxy (proxy server): upgrade 24.3.0 → 24.4.0, health gate; da2 (data aggregator): maintenance, upgrade 24.3.0 → 24.4.0, activate, health gate; da1 (data aggregator): maintenance (fail over to da2), upgrade 24.3.0 → 24.4.0, activate, health gate',
    );
    expect(site.moves).toEqual([]);
    expect(site.records).toEqual({ proxy: A, da1: A, da2: A });
  });

  it('upgrades the proxy, the standby, fails over once, upgrades the old Active, each under its marker and health-gated', async () => {
    const site = deployedSite();
    const report = await runUpgrade(site);
    expect(report.reason).toBeUndefined();
    expect(report.outcome).toBe('changed');
    expect(site.moves).toEqual([
      'proxy marker set',
      'proxy install',
      'proxy marker cleared',
      'da2 marker set',
      'da2 maintenance',
      'da2 install',
      'da2 activate',
      'da2 marker cleared',
      'da1 marker set',
      'da1 maintenance',
      'da1 install',
      'da1 activate',
      'da1 marker cleared',
    ]);
    // Never switched back: da2 stays Active.
    expect(site.states).toEqual({ da1: 'Inactive', da2: 'Active' });
    expect(site.records).toEqual({ proxy: B, da1: B, da2: B });
  });

  it('stops on a failed installer with its marker left; the next run resumes there without a second failover', async () => {
    const site = deployedSite({ failInstall: new Set(['da1']) });
    const first = await runUpgrade(site);
    expect(first.outcome).toBe('failed');
    expect(first.reason).toMatch(
      /installer .* failed on da1 \(exit 1\):\nInstallation failed: disk full\nThe upgrade stopped on da1; its pending marker stays, so the next deploy resumes there \(no second failover\)\.$/,
    );
    expect(site.markers).toEqual(new Set(['da1']));
    expect(site.states).toEqual({ da1: 'Maintenance', da2: 'Active' });
    expect(site.records.da1).toBeUndefined();

    site.failInstall.clear();
    site.moves.length = 0;
    const second = await runUpgrade(site);
    expect(second.outcome).toBe('changed');
    expect(site.moves).toEqual(['da1 marker set', 'da1 install', 'da1 activate', 'da1 marker cleared']);
    expect(site.states).toEqual({ da1: 'Inactive', da2: 'Active' });
    expect(site.records).toEqual({ proxy: B, da1: B, da2: B });
  });

  it('refuses before any change when the aggregators would end on two versions', async () => {
    const site = deployedSite({ records: { proxy: A, da1: A, da2: '-' } });
    const report = await runUpgrade(site);
    expect(report.outcome).toBe('failed');
    expect(report.reason).toContain('the upgrade cannot start; nothing was changed:');
    expect(report.reason).toContain('da2: the version of the data aggregator cannot be read');
    expect(site.moves).toEqual([]);
  });

  it('does nothing when every component is at its version', async () => {
    const done = deployedSite({ records: { proxy: B, da1: B, da2: B } });
    const report = await runUpgrade(done);
    expect(report).toMatchObject({ outcome: 'ok' });
    expect(report.actions[0].detail).toBe('every installed component is at its wanted version');
    expect(done.moves).toEqual([]);
  });
});

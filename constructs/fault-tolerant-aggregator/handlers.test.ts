/**
 * The install handler against a scripted host: facts in, the commands it sends out. The password
 * reaches the host only on the installer's standard input, into a staging directory made for the
 * run.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';
import { StepFailure } from '../../src/errors';
import { RemoteHost } from '../../src/runner/remote-host';
import { executeStep } from '../../src/runner/execute-step';
import { ActionRegistry } from '../../src/runner/action-registry';
import type { StepSpec } from '../../src/step';
import { toStepSpec } from '../../src/step';
import { daStatusAnswer, DaStatusFormat } from '../../test/lab/emulators/netops/status-variants';
import { FixtureExecutor, fixtureHost, ReceivedCommand } from '../../test/support/fixture-host';
import {
  DA_RUN,
  DADAEMON_VERB,
  ESTABLISHED_TCP,
  HOST_FACTS,
  INSTALLER_ALTERED_MESSAGE,
  INSTALLER_ALTERED_STATUS,
  MAKE_STAGING,
  PROBE_PY,
  RECEIVE_INSTALLER,
  REMOVE_STAGING,
  RUN_INSTALLER,
} from './commands';
import type { InstallAction, PreflightAction } from './actions';
import { FAULT_TOLERANT_AGGREGATOR_HANDLERS } from './handlers';
import { planFaultTolerantAggregatorSteps } from './plan';
import type { FaultTolerantAggregatorProps } from './props';
import { faultTolerantAggregatorSchema } from './props';
import { validProps } from './test-props';

const registry = new ActionRegistry().add('FaultTolerantAggregator', FAULT_TOLERANT_AGGREGATOR_HANDLERS);
const planned = (props: FaultTolerantAggregatorProps) =>
  planFaultTolerantAggregatorSteps(faultTolerantAggregatorSchema.parse(props), {
    mountPath: '/DASharedRepo',
  });
const steps = planned(validProps());
const spec = (id: string, from = steps): StepSpec => toStepSpec(from.find((s) => s.id === id)!);
const isScript = (c: ReceivedCommand, script: string) => c.argv[0] === 'sh' && c.argv[2] === script;

/** What MAKE_STAGING prints on the host: a directory mktemp -d made for this run. */
const STAGING = '/root/.cdktf-failover-stage.Zq3xY7kP0a';

type Answer = { code?: number; stdout?: string; stderr?: string };

function run(
  id: string,
  facts: string,
  installer: Answer = { code: 0, stderr: '' },
  options: { from?: typeof steps; upload?: () => Answer } = {},
) {
  const step = spec(id, options.from);
  const { host, executor } = fixtureHost(step.host, (c) => {
    if (isScript(c, HOST_FACTS)) return { stdout: facts };
    if (isScript(c, MAKE_STAGING)) return { stdout: `${STAGING}\n` };
    if (isScript(c, RECEIVE_INSTALLER) && options.upload) return options.upload();
    if (isScript(c, RUN_INSTALLER)) return installer;
    return { code: 0 };
  });
  return executeStep(step, { connect: async () => host, handlers: registry }).then((report) => ({
    report,
    received: executor.received,
  }));
}

const NOT_INSTALLED =
  'os=Linux\npython=/usr/bin/python3\ninstaller=executable\nunpack=/tmp\nfreeKiB=99999999\ninstalled=no\n';

describe('install', () => {
  beforeEach(() => (process.env.DR_PASSWORD = 'hunter2-$(reboot)'));
  afterEach(() => delete process.env.DR_PASSWORD);

  it('runs the installer silently with the response file on stdin, the password only there', async () => {
    const { report, received } = await run('aggregator-active', NOT_INSTALLED);
    expect(report.outcome).toBe('changed');
    const install = received.find((c) => isScript(c, RUN_INSTALLER))!;
    expect(install.argv.slice(4)).toEqual([
      '/opt/installers/installDA.bin',
      '/tmp',
      '/opt/IMDataAggregator',
      '/var/lib/cdktf-failover/installed/opt_IMDataAggregator',
      '24.3.0',
      STAGING,
      '',
    ]);
    expect(install.stdin).toContain('LAB_SHARED_DIR=/DASharedRepo\n');
    expect(install.stdin).toContain('LAB_DB_PASSWORD=hunter2-$(reboot)\n');
    expect(
      received
        .filter((c) => c !== install)
        .map((c) => c.stdin + c.argv.join(' '))
        .join('\n'),
    ).not.toContain('hunter2');
    expect(install.argv.join(' ')).not.toContain('hunter2');
    expect(JSON.stringify(report)).not.toContain('hunter2');
  });

  it('stages in a directory made fresh for this run by mktemp -d, never at a fixed shared path', async () => {
    const { report, received } = await run('aggregator-active', NOT_INSTALLED);
    expect(report.outcome).toBe('changed');
    const order = received.map((c) =>
      isScript(c, MAKE_STAGING)
        ? 'make'
        : isScript(c, RUN_INSTALLER)
          ? 'run'
          : isScript(c, REMOVE_STAGING)
            ? 'remove'
            : 'other',
    );
    expect(order.filter((o) => o !== 'other')).toEqual(['make', 'run', 'remove']);
    expect(MAKE_STAGING).toMatch(/mktemp -d "\$base\/\.cdktf-failover-stage\.XXXXXXXXXX"/);
    expect(MAKE_STAGING).toContain('chmod 0700');
    // The response file is written without clobbering (O_EXCL), in the directory MAKE_STAGING printed.
    expect(RUN_INSTALLER).toMatch(/^set -C$/m);
    expect(RUN_INSTALLER).toContain('r=$d/response.properties');
    const install = received.find((c) => isScript(c, RUN_INSTALLER))!;
    expect(install.argv[9]).toBe(STAGING);
    const sent = received.map((c) => c.argv.join(' ')).join('\n');
    expect(sent).not.toContain('/var/tmp/cdktf-failover');
  });

  it('uploads a local installer into the staging directory, and checks its SHA-256 computed here before running it', async () => {
    const local = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fta-installer-')), 'installDA.bin');
    fs.writeFileSync(local, '#!/bin/sh\necho an installer\n');
    const props = validProps();
    const { path: _onHost, ...onHost } = props.aggregators.installer!;
    const from = planned({
      ...props,
      aggregators: { ...props.aggregators, installer: { ...onHost, localFile: local } },
    });
    const { report, received } = await run(
      'aggregator-active',
      NOT_INSTALLED.replace('installer=executable\n', ''),
      undefined,
      { from },
    );
    expect(report.outcome).toBe('changed');
    const upload = received.find((c) => isScript(c, RECEIVE_INSTALLER))!;
    expect(upload.argv.slice(4)).toEqual([STAGING, 'installDA.bin']);
    expect(upload.stdin).toBe('#!/bin/sh\necho an installer\n');
    // The upload refuses a name that exists (a file or a link) instead of writing through it.
    expect(RECEIVE_INSTALLER).toMatch(/^set -C$/m);
    expect(RECEIVE_INSTALLER).toContain('[ ! -e "$f" ] && [ ! -h "$f" ]');
    const install = received.find((c) => isScript(c, RUN_INSTALLER))!;
    expect(install.argv[4]).toBe(`${STAGING}/installDA.bin`);
    expect(install.argv[10]).toBe(
      createHash('sha256').update('#!/bin/sh\necho an installer\n').digest('hex'),
    );
    // The check is the last thing before the installer starts.
    const check = RUN_INSTALLER.indexOf('sum=$(sha256sum < "$1")');
    expect(check).toBeGreaterThan(RUN_INSTALLER.indexOf('cat > "$r"'));
    expect(check).toBeLessThan(RUN_INSTALLER.indexOf('"$1" -i silent -f "$r"'));
    expect(report.actions[0].detail).toBe(`installed by ${local} (uploaded) -i silent`);
    expect(received.map((c) => c.argv.join(' ')).join('\n')).not.toContain('/var/tmp/cdktf-failover');
  });

  it('refuses with a clear sentence when the uploaded installer changed before it ran', async () => {
    const { report } = await run('aggregator-active', NOT_INSTALLED, {
      code: INSTALLER_ALTERED_STATUS,
      stderr: `${INSTALLER_ALTERED_MESSAGE} ${STAGING}/installDA.bin: its SHA-256 is ${'a'.repeat(64)}, not ${'b'.repeat(64)} of the file uploaded from this machine, so it was changed after the upload\n`,
    });
    expect(report.outcome).toBe('failed');
    expect(report.reason).toBe(
      `da1: cdktf-failover refused to run ${STAGING}/installDA.bin: its SHA-256 is ${'a'.repeat(64)}, not ${'b'.repeat(64)} of the file uploaded from this machine, so it was changed after the upload (only root or the login can write there); nothing was installed`,
    );
  });

  it.each<[string, Answer | (() => Answer), Answer | undefined, string]>([
    ['after the installer succeeded', { code: 0, stderr: '' }, undefined, 'changed'],
    ['after the installer failed', { code: 1, stderr: 'Installation failed' }, undefined, 'failed'],
    [
      'after a timeout or a cut connection (no trap runs then)',
      () => {
        throw new StepFailure('the aggregator installer timed out after 3600 s');
      },
      undefined,
      'failed',
    ],
    ['after a failed upload', { code: 0 }, { code: 70, stderr: 'No space left on device' }, 'failed'],
  ])('removes the staging directory %s', async (_when, installer, upload, outcome) => {
    const props = validProps();
    const local = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fta-installer-')), 'installDA.bin');
    fs.writeFileSync(local, 'bytes');
    const { path: _onHost, ...onHost } = props.aggregators.installer!;
    const from = upload
      ? planned({
          ...props,
          aggregators: { ...props.aggregators, installer: { ...onHost, localFile: local } },
        })
      : steps;
    const step = spec('aggregator-active', from);
    const { host, executor } = fixtureHost(step.host, (c) => {
      if (isScript(c, HOST_FACTS)) return { stdout: NOT_INSTALLED };
      if (isScript(c, MAKE_STAGING)) return { stdout: `${STAGING}\n` };
      if (isScript(c, RECEIVE_INSTALLER) && upload) return upload;
      if (isScript(c, RUN_INSTALLER)) return typeof installer === 'function' ? installer() : installer;
      return { code: 0 };
    });
    const report = await executeStep(step, { connect: async () => host, handlers: registry });
    expect(report.outcome).toBe(outcome);
    const removals = executor.received.filter((c) => isScript(c, REMOVE_STAGING));
    expect(removals.map((c) => c.argv.slice(4))).toEqual([[STAGING]]);
    expect(executor.received.at(-1)).toBe(removals[0]);
    // The run's own trap removes it too, whatever ends the shell short of a kill.
    expect(RUN_INSTALLER).toContain(`trap 'rm -rf -- "$d"' EXIT`);
    expect(JSON.stringify(report)).not.toContain('hunter2');
  });

  it('leaves a component installed at the wanted version alone', async () => {
    const { report, received } = await run(
      'aggregator-active',
      `${NOT_INSTALLED}installed=yes\nrecorded=24.3.0 20261124T101010Z\n`,
    );
    expect(report.outcome).toBe('ok');
    expect(report.actions[0].detail).toBe('installed at 24.3.0');
    expect(received.some((c) => isScript(c, RUN_INSTALLER))).toBe(false);
  });

  it('refuses another version without allowUpgrade', async () => {
    const { report, received } = await run(
      'aggregator-active',
      `${NOT_INSTALLED}installed=yes\nrecorded=23.3.0 20261124T101010Z\n`,
    );
    expect(report.outcome).toBe('failed');
    expect(report.reason).toMatch(/installed at 23\.3\.0, not 24\.3\.0: set installer\.allowUpgrade/);
    expect(received.some((c) => isScript(c, RUN_INSTALLER))).toBe(false);
  });

  it('hides the password in a failing installer output', async () => {
    const { report } = await run('aggregator-active', NOT_INSTALLED, {
      code: 1,
      stderr: 'Installation failed: cannot log in with hunter2-$(reboot)',
    });
    expect(report.outcome).toBe('failed');
    expect(report.reason).toContain('cannot log in with ********');
    expect(report.reason).not.toContain('hunter2');
  });

  it('fails before anything runs when the password variable is not set', async () => {
    delete process.env.DR_PASSWORD;
    const { report, received } = await run('aggregator-active', NOT_INSTALLED);
    expect(report.reason).toMatch(/environment variable DR_PASSWORD .* is not set/);
    expect(received.some((c) => isScript(c, RUN_INSTALLER))).toBe(false);
  });
});

describe('collectors: wait for both aggregators, repair with stop then start', () => {
  const INSTALLED = `${NOT_INSTALLED.replace('installed=no', 'installed=yes')}recorded=24.3.0 20261124T090000Z\n`;
  const SEEN = '/var/lib/cdktf-failover/installed/opt_IMDataCollector.aggregators';
  const RECORD = '/var/lib/cdktf-failover/installed/opt_IMDataAggregator';
  const AS_SEEN = 'da1 24.3.0 20261124T090000Z\nda2 24.3.0 20261124T090000Z\n';
  /** What `ss -tn state established` prints on a collector connected to da1 on 8581 and 61616. */
  const ss = (ports: readonly number[]) =>
    [
      'Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess',
      '0      0         10.0.0.41:22     10.0.0.99:50122',
      ...ports.map((p, i) => `0      0         10.0.0.41:${40100 + i}  10.0.0.11:${p}`),
    ].join('\n');
  /** The wait's probes as a collector sees them: da1 Active (web services and Consul), da2 a standby (Consul only). */
  const STANDBY_CLOSED = (spec: string) =>
    spec !== 'tcp:10.0.0.12:8581:connect' ? undefined : 'Connection refused';

  interface CollectorSite {
    /** The collector's record of the aggregators it last started after (undefined: none). */
    readonly seen?: string;
    readonly daStamps?: readonly [string, string];
    /** Why a probed spec fails (undefined: it answers). */
    readonly closed?: (spec: string) => string | undefined;
    /** The ports the collector is connected on to da1, before and after a stop and start. */
    readonly connected?: readonly number[];
    readonly connectedAfterStart?: readonly number[];
    readonly waitSeconds?: number;
    readonly connectSeconds?: number;
    readonly decision?: 'installed' | 'absent';
  }

  /** A collector host and the two aggregators' hosts, whose install records say when they were installed. */
  function collector(site: CollectorSite = {}) {
    const planned = spec('collector-dc1');
    const action = planned.actions[0] as InstallAction;
    const step: StepSpec = {
      ...planned,
      actions: [
        {
          ...action,
          waitFor: { ...action.waitFor!, seconds: site.waitSeconds ?? action.waitFor!.seconds },
          repair: { ...action.repair!, connectSeconds: site.connectSeconds ?? 0, graceSeconds: 0 },
        },
      ],
    };
    const files = new Map<string, string>(site.seen !== undefined ? [[SEEN, site.seen]] : []);
    let connected = site.connected ?? [8581, 61616];
    const answer = (c: ReceivedCommand, records?: string): Answer => {
      if (isScript(c, HOST_FACTS)) return { stdout: site.decision === 'absent' ? NOT_INSTALLED : INSTALLED };
      if (c.argv[2]?.startsWith('py=') && c.argv[4] === PROBE_PY)
        return {
          stdout: JSON.stringify(
            c.argv.slice(8).map((spec) => {
              const error = site.closed?.(spec);
              return error === undefined ? { spec, ok: true } : { spec, ok: false, error };
            }),
          ),
        };
      if (isScript(c, ESTABLISHED_TCP))
        return {
          stdout: `${c.argv
            .slice(4)
            .map((a) => `address\t${a}\t${a}\n`)
            .join('')}--\n${ss(connected)}\n`,
        };
      if (c.argv.join(' ') === 'service dcmd start') connected = site.connectedAfterStart ?? [8581, 61616];
      if (c.argv.join(' ') === 'service dcmd stop') connected = [];
      const path = c.argv[4];
      if (records !== undefined && path === RECORD) return { stdout: records };
      if (c.argv[2]?.includes('exec cat')) return files.has(path) ? { stdout: files.get(path) } : { code: 3 };
      return { code: 0 };
    };
    const dc = fixtureHost(step.host, (c) => answer(c));
    const das = (site.daStamps ?? ['20261124T090000Z', '20261124T090000Z']).map((stamp, i) =>
      fixtureHost({ ...step.host, name: `da${i + 1}` }, (c) => answer(c, `24.3.0 ${stamp}\n`)),
    );
    const connect = async (h: { name?: string }) =>
      h.name === 'da1' ? das[0].host : h.name === 'da2' ? das[1].host : dc.host;
    return executeStep(step, { connect: connect as never, handlers: registry }).then((report) => ({
      report,
      received: dc.executor.received,
    }));
  }
  const serviceCalls = (received: ReceivedCommand[]) =>
    received.map((c) => c.argv.join(' ')).filter((line) => line.startsWith('service dcmd'));
  const probed = (received: ReceivedCommand[]) =>
    received.filter((c) => c.argv[2]?.startsWith('py=') && c.argv[4] === PROBE_PY);

  it('waits for both aggregators: the standby on its Consul server port, the Active one on its web services', async () => {
    const { report, received } = await collector({ seen: AS_SEEN, closed: STANDBY_CLOSED });
    expect(report.outcome).toBe('ok');
    expect(probed(received)[0].argv.slice(8)).toEqual([
      'tcp:10.0.0.11:8300:connect',
      'tcp:10.0.0.11:8581:connect',
      'tcp:10.0.0.12:8300:connect',
      'tcp:10.0.0.12:8581:connect',
    ]);
  });

  it('does not install while one aggregator does not answer, and names it', async () => {
    const down = (spec: string) => (spec.startsWith('tcp:10.0.0.12:') ? 'Connection refused' : undefined);
    const { report, received } = await collector({ decision: 'absent', closed: down, waitSeconds: 0 });
    expect(report.outcome).toBe('failed');
    expect(report.reason).toMatch(
      /^dc1: the collector waits for both aggregators, and after 0 s da2 does not answer on TCP 8300 \(its Consul server, which a standby runs too\): Connection refused\. .*nothing was installed/,
    );
    expect(received.some((c) => isScript(c, RUN_INSTALLER))).toBe(false);
    const noWeb = (spec: string) => (spec.endsWith(':8581:connect') ? 'Connection refused' : undefined);
    const neither = await collector({ decision: 'absent', closed: noWeb, waitSeconds: 0 });
    expect(neither.report.reason).toContain(
      "no aggregator answers on TCP 8581 (the Active aggregator's web services): da1 Connection refused, da2 Connection refused",
    );
  });

  it('stops, then starts (never restarts) a collector whose aggregators were installed after it started', async () => {
    const { report, received } = await collector({
      seen: AS_SEEN,
      daStamps: ['20261124T100000Z', '20261124T090000Z'],
    });
    expect(report.outcome).toBe('changed');
    expect(report.actions[0].detail).toMatch(
      /stopped and started the collector: an aggregator was installed or upgraded/,
    );
    expect(serviceCalls(received)).toEqual(['service dcmd stop', 'service dcmd start']);
  });

  it('stops, then starts a collector that holds no connection on a port although its status would say it runs', async () => {
    const { report, received } = await collector({ seen: AS_SEEN, connected: [8581], connectSeconds: 5 });
    expect(report.outcome).toBe('changed');
    expect(report.actions[0].detail).toContain('it holds no connection to an aggregator on TCP 61616');
    expect(serviceCalls(received)).toEqual(['service dcmd stop', 'service dcmd start']);
    // Read from the kernel's connections, never from `dcmd status`.
    expect(serviceCalls(received)).not.toContain('service dcmd status');
  });

  it('fails, naming the host and the ports, when the collector still does not connect after stop and start', async () => {
    const { report } = await collector({
      seen: AS_SEEN,
      connected: [],
      connectedAfterStart: [8581],
      connectSeconds: 0,
    });
    expect(report.outcome).toBe('failed');
    expect(report.reason).toMatch(
      /^dc1: the collector was stopped and started because it holds no connection to an aggregator on TCP 8581, 61616, and 0 s later it still holds no connection to da1 or da2 on TCP 61616: /,
    );
  });

  it('leaves a connected collector alone when the aggregators are as it last saw them', async () => {
    const { report, received } = await collector({ seen: AS_SEEN });
    expect(report.outcome).toBe('ok');
    expect(serviceCalls(received)).toEqual([]);
  });
});

/** The Consul API of a healthy three-server cluster, as the proxy serves it on 127.0.0.1:8500. */
const CONSUL: Record<string, unknown> = {
  '/v1/status/leader': '10.0.0.30:8300',
  '/v1/status/peers': ['10.0.0.30:8300', '10.0.0.11:8300', '10.0.0.12:8300'],
  '/v1/agent/members': ['proxy', 'da1', 'da2'].map((Name, i) => ({ Name, Addr: `10.0.0.${i}`, Status: 1 })),
  '/v1/health/state/critical': [],
};
let consul: http.Server;
let consulPort: number;
beforeAll(async () => {
  consul = http.createServer((request, response) => {
    const body = CONSUL[request.url ?? ''];
    response.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body ?? 'not found'));
  });
  await new Promise<void>((resolve) => consul.listen(0, '127.0.0.1', resolve));
  consulPort = (consul.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => consul.close(() => resolve())));

/** A fixture host whose SSH tunnels reach the test's Consul API (the proxy's). */
class ProxyFixtureExecutor extends FixtureExecutor {
  async forward(): Promise<Duplex> {
    const socket = net.connect(consulPort, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return socket;
  }
}

type DaState = 'Active' | 'Inactive' | 'Maintenance';

/** When the fixture DAs' processes started (epoch ms), and a readiness line logged a second later. */
const DA_STARTED_MS = Date.UTC(2026, 11, 2, 20, 0, 0, 0);
const KARAF_LOG = '/opt/IMDataAggregator/apache-karaf-4.4.3/data/log/karaf.log';
const readinessLine = (time: string) =>
  `${time} | INFO  | FelixStartLevel  | RequestProcessor | Add RequestProcessor as messageListener for queue://DADistItemRepositoryMgr`;

/**
 * What DA_RUN prints on a DA as KB 106988 has it: the Active one runs the DA process and logged
 * its readiness line since; any other runs no DA process (its karaf.log keeps an older line).
 */
function daRunAnswer(
  state: DaState,
  lines: readonly string[] = [readinessLine('2026-12-02T20:00:01,000')],
): Answer {
  const process = state === 'Active' ? [`process=4242 ${DA_STARTED_MS / 1000}.00 +0000`] : [];
  const logged = (state === 'Active' ? lines : [readinessLine('2026-12-01T08:00:00,000')]).map(
    (l) => `logged=${KARAF_LOG}\t${l}`,
  );
  return { stdout: [...process, ...logged, 'logs=1', ''].join('\n') };
}

/**
 * The proxy and an aggregator pair (da1 Active, da2 Inactive) that follow dadaemon's verbs as the
 * KB describes them: maintenance hands the Active role to the other, activate makes a candidate.
 * `status` answers in `format`; `service activemq status` as `activeMq` says.
 */
function pair(
  options: {
    format?: DaStatusFormat;
    activeMq?: (host: string, states: Record<string, DaState>) => Answer;
    daRun?: (host: string, states: Record<string, DaState>) => Answer;
    props?: Partial<FaultTolerantAggregatorProps>;
  } = {},
) {
  const states: Record<string, DaState> = { da1: 'Active', da2: 'Inactive' };
  const sent: string[] = [];
  const from = planned({ ...validProps(), drill: true, ...options.props });
  const da = (name: string) =>
    new RemoteHost(
      { ...from[0].host, name, address: name === 'da1' ? '10.0.0.11' : '10.0.0.12' },
      new FixtureExecutor((c) => {
        if (isScript(c, DA_RUN)) return options.daRun?.(name, states) ?? daRunAnswer(states[name]);
        if (isScript(c, DADAEMON_VERB)) {
          const verb = c.argv[5];
          if (verb === 'status') return daStatusAnswer(options.format ?? 'line', states[name]);
          sent.push(`${name} dadaemon ${verb}`);
          const other = name === 'da1' ? 'da2' : 'da1';
          if (verb === 'maintenance') [states[name], states[other]] = ['Maintenance', 'Active'];
          if (verb === 'activate') states[name] = 'Inactive';
          return { code: 0 };
        }
        if (c.argv.join(' ') === 'service activemq status') {
          sent.push(`${name} activemq status`);
          return (
            options.activeMq?.(name, states) ??
            (states[name] === 'Active'
              ? { stdout: "ActiveMQ is running (pid '4242')\n" }
              : { code: 3, stdout: 'ActiveMQ not running\n' })
          );
        }
        return { code: 0 };
      }),
    );
  const hosts = { da1: da('da1'), da2: da('da2') };
  const connect = async (h: { name?: string }) =>
    h.name === 'da1' || h.name === 'da2' ? hosts[h.name] : proxy;
  const proxy = new RemoteHost(from[0].host, new ProxyFixtureExecutor(() => ({ code: 0 })));
  const runStep = (id: string) =>
    executeStep(spec(id, from), { connect: connect as never, handlers: registry });
  return { states, sent, runStep };
}

describe('health reads dadaemon status strictly', () => {
  it("is healthy with the default line, the emulator's", async () => {
    const report = await pair().runStep('health');
    expect(report.outcome).toBe('ok');
    expect(report.actions[0].detail).toMatch(/^da1 Active, da2 Inactive; Consul: leader, 3 peers/);
  });

  it.each<[DaStatusFormat, string]>([
    ['systemd', 'a systemctl block, whose "Active: active (running)" says nothing of the role'],
    ['word', 'a bare state word, under the default line'],
    ['empty', 'nothing'],
  ])('reports the state unknown, with the raw answer, when dadaemon prints %s (%s)', async (format) => {
    const report = await pair({ format, props: { healthTimeoutSeconds: 1 } }).runStep('health');
    expect(report.outcome).toBe('failed');
    for (const [name, state] of [
      ['da1', 'Active'],
      ['da2', 'Inactive'],
    ]) {
      const raw = daStatusAnswer(format, state);
      const printed = raw.stdout.trim() ? JSON.stringify(raw.stdout.trim()) : 'nothing';
      expect(report.reason).toContain(
        `${name}: the aggregator's state is unknown: dadaemon status printed ${printed} (exit ${raw.code}), not a line "Data Aggregator status: {state}" with {state} one of Active, Inactive, Maintenance, Failed.`,
      );
    }
    expect(report.reason).toContain('set aggregators.statusLine to the line it prints');
  });

  it('reads bare state words with statusLine "{state}"', async () => {
    const props = validProps();
    const report = await pair({
      format: 'word',
      props: { aggregators: { ...props.aggregators, statusLine: '{state}' } },
    }).runStep('health');
    expect(report.outcome).toBe('ok');
    expect(report.actions[0].detail).toMatch(/^da1 Active, da2 Inactive;/);
  });
});

describe('the drill guards against two brokers on one KahaDB', () => {
  it('switches over and back when ActiveMQ says it is stopped where it must be', async () => {
    const { states, sent, runStep } = pair();
    const report = await runStep('drill');
    expect(report.outcome).toBe('changed');
    expect(sent.filter((s) => s.includes('dadaemon'))).toEqual([
      'da1 dadaemon maintenance',
      'da1 dadaemon activate',
      'da2 dadaemon maintenance',
      'da2 dadaemon activate',
    ]);
    expect(states).toEqual({ da1: 'Active', da2: 'Inactive' });
  });

  it.each<[string, Answer]>([
    ['systemd has no such unit', { code: 4, stdout: 'Unit activemq.service could not be found.\n' }],
    ['the service is not known', { code: 1, stderr: 'activemq: unrecognized service\n' }],
    [
      'an older systemctl exits 3 for a missing unit',
      { code: 3, stdout: '* activemq.service\n   Loaded: not-found (Reason: No such file or directory)\n' },
    ],
  ])(
    'refuses, switching nothing, when it cannot tell whether ActiveMQ runs on the standby (%s)',
    async (_why, answer) => {
      const { states, sent, runStep } = pair({
        activeMq: (h, s) => (s[h] === 'Active' ? { code: 0 } : answer),
      });
      const report = await runStep('drill');
      expect(report.outcome).toBe('failed');
      const raw = `${answer.stdout ?? ''}${answer.stderr ?? ''}`.trim();
      expect(report.reason).toBe(
        `cannot tell whether ActiveMQ runs on da2, which is Inactive: service activemq status printed ${JSON.stringify(raw)} (exit ${answer.code}), where exit 0 means running and exit 3 stopped. Make service activemq status answer on da2 (is ActiveMQ installed there under the service name activemq?) or check by hand that no broker runs there; nothing was switched.`,
      );
      expect(sent.filter((s) => s.includes('dadaemon'))).toEqual([]);
      expect(states).toEqual({ da1: 'Active', da2: 'Inactive' });
    },
  );

  it('refuses to activate the old Active when it cannot tell whether its broker stopped, leaving it in Maintenance', async () => {
    const { states, sent, runStep } = pair({
      activeMq: (h, s) =>
        s[h] === 'Maintenance'
          ? { code: 4, stdout: 'Unit activemq.service could not be found.\n' }
          : { code: 3 },
    });
    const report = await runStep('drill');
    expect(report.outcome).toBe('failed');
    expect(report.reason).toMatch(
      /^cannot tell whether ActiveMQ runs on da1, which is in Maintenance while da2 is Active: service activemq status printed "Unit activemq\.service could not be found\." \(exit 4\), .* da1 was left in Maintenance: run dadaemon activate there once no broker runs on it\.$/,
    );
    expect(sent.filter((s) => s.includes('dadaemon'))).toEqual(['da1 dadaemon maintenance']);
    expect(states).toEqual({ da1: 'Maintenance', da2: 'Active' });
  });

  it('refuses when ActiveMQ still runs on the standby', async () => {
    const { sent, runStep } = pair({
      activeMq: () => ({ code: 0, stdout: "ActiveMQ is running (pid '7')\n" }),
    });
    const report = await runStep('drill');
    expect(report.reason).toMatch(
      /^ActiveMQ runs on da2, which is Inactive: two brokers on one KahaDB is a split brain\. Stop it there \(service activemq stop\); nothing was switched\.$/,
    );
    expect(sent.filter((s) => s.includes('dadaemon'))).toEqual([]);
  });
});

describe('health and drill: the standby runs no DA process, readiness counts only this start', () => {
  const withReading = (
    unreadableStatus: 'unknown' | 'process',
    extra: Partial<FaultTolerantAggregatorProps> = {},
  ) => {
    const props = validProps();
    return { ...extra, aggregators: { ...props.aggregators, unreadableStatus } };
  };

  it.each<DaStatusFormat>(['systemd', 'empty'])(
    'is healthy when status says no state (%s) and the reading is "process": the standby runs none',
    async (format) => {
      const report = await pair({ format, props: withReading('process') }).runStep('health');
      expect(report.outcome).toBe('ok');
      expect(report.actions[0].detail).toMatch(
        /^da1 Active \(read from its DA process\), da2 Inactive \(read from its DA process\); Consul:/,
      );
    },
  );

  it('is healthy with a standby that runs no DA process and reports Inactive in its status line', async () => {
    const { runStep } = pair({ daRun: (h, s) => daRunAnswer(s[h]) });
    const report = await runStep('health');
    expect(report.outcome).toBe('ok');
    expect(report.actions[0].detail).toMatch(/^da1 Active, da2 Inactive;/);
  });

  it('counts a readiness line of this start found only in a rotated file', async () => {
    const report = await pair({
      daRun: (h, s) =>
        s[h] === 'Active'
          ? {
              stdout: [
                `process=4242 ${DA_STARTED_MS / 1000}.00 +0000`,
                `logged=${KARAF_LOG}.1\t${readinessLine('2026-12-02T20:00:02,000')}`,
                'logs=2',
                '',
              ].join('\n'),
            }
          : daRunAnswer(s[h]),
    }).runStep('health');
    expect(report.outcome).toBe('ok');
  });

  it('fails when the Active one has only a readiness line from an earlier start', async () => {
    const report = await pair({
      props: { healthTimeoutSeconds: 1 },
      daRun: (h, s) => daRunAnswer(s[h], [readinessLine('2026-12-02T19:59:59,900')]),
    }).runStep('health');
    expect(report.outcome).toBe('failed');
    expect(report.reason).toContain(
      `da1 is Active but not ready: its readiness line ("Add RequestProcessor as messageListener for queue://DADistItemRepositoryMgr") is from an earlier start: the last one, in ${KARAF_LOG}, was logged at 2026-12-02T19:59:59.900Z, before the DA process (pid 4242) started at 2026-12-02T20:00:00.000Z`,
    );
    expect(report.reason).not.toMatch(/da2 .*not ready/);
  });

  it('fails when the Active one runs no DA process at all, or logged nothing since its start', async () => {
    const none = await pair({
      props: { healthTimeoutSeconds: 1 },
      daRun: () => ({ stdout: 'logs=0\n' }),
    }).runStep('health');
    expect(none.reason).toContain('da1 is Active but not ready: no DA process runs');
    const silent = await pair({
      props: { healthTimeoutSeconds: 1 },
      daRun: (h, s) => daRunAnswer(s[h], []),
    }).runStep('health');
    expect(silent.reason).toContain('da1 is Active but not ready: no readiness line');
  });

  it('drills with status read from the DA process: each new Active ready since its start, each old one a standby', async () => {
    const { states, sent, runStep } = pair({
      format: 'systemd',
      props: withReading('process', { drill: true }),
    });
    const report = await runStep('drill');
    expect(report.outcome).toBe('changed');
    expect(sent.filter((s) => s.includes('dadaemon'))).toEqual([
      'da1 dadaemon maintenance',
      'da1 dadaemon activate',
      'da2 dadaemon maintenance',
      'da2 dadaemon activate',
    ]);
    expect(states).toEqual({ da1: 'Active', da2: 'Inactive' });
  });

  it('stops the drill when the new Active never logs readiness since its start, leaving the old one in Maintenance', async () => {
    const { states, sent, runStep } = pair({
      props: { drill: true, drillTimeoutSeconds: 1 },
      daRun: (h, s) =>
        h === 'da2' ? daRunAnswer(s[h], [readinessLine('2026-12-01T08:00:00,000')]) : daRunAnswer(s[h]),
    });
    const report = await runStep('drill');
    expect(report.outcome).toBe('failed');
    expect(report.reason).toMatch(
      /^da2 did not report Active and ready within 1 s: it is Active but not ready: its readiness line .* is from an earlier start/,
    );
    expect(sent.filter((s) => s.includes('dadaemon'))).toEqual(['da1 dadaemon maintenance']);
    expect(states).toEqual({ da1: 'Maintenance', da2: 'Active' });
  });
});

describe('install: "installed" means a verified install', () => {
  beforeEach(() => (process.env.DR_PASSWORD = 'hunter2-$(reboot)'));
  afterEach(() => delete process.env.DR_PASSWORD);
  const HALF_INSTALLED = NOT_INSTALLED.replace('installed=no', 'installed=yes');
  const RECORD = '/var/lib/cdktf-failover/installed/opt_IMDataAggregator';

  it('refuses a directory without a completion record (a half-failed install), running nothing and deleting nothing', async () => {
    const { report, received } = await run('aggregator-active', HALF_INSTALLED);
    expect(report.outcome).toBe('failed');
    expect(report.reason).toBe(
      'da1: the data aggregator is not installed completely: /opt/IMDataAggregator exists, but this construct holds no record of a verified install there (an installer that failed midway, or an install made by hand). Set installer.allowUpgrade to run the installer over it, or clean the directory up yourself; it is never deleted by this construct',
    );
    expect(received.some((c) => isScript(c, RUN_INSTALLER))).toBe(false);
    expect(received.some((c) => c.argv.includes('rm') || c.argv.join(' ').includes('rm -rf -- /opt'))).toBe(
      false,
    );
  });

  it('writes the record only after the installer succeeded, and none when it failed', async () => {
    const recordWrites = (received: ReceivedCommand[]) =>
      // The atomic write's arguments: its backups kept, then the path.
      received.filter((c) => c.argv[5] === RECORD);
    const ok = await run('aggregator-active', NOT_INSTALLED);
    expect(ok.report.outcome).toBe('changed');
    const runAt = ok.received.findIndex((c) => isScript(c, RUN_INSTALLER));
    const writes = recordWrites(ok.received);
    expect(writes).toHaveLength(1);
    expect(ok.received.indexOf(writes[0])).toBeGreaterThan(runAt);
    expect(writes[0].stdin).toMatch(/^24\.3\.0 \d{8}T\d{6}Z\n$/);
    const failed = await run('aggregator-active', NOT_INSTALLED, { code: 2, stderr: 'Installation failed' });
    expect(failed.report.outcome).toBe('failed');
    expect(recordWrites(failed.received)).toEqual([]);
  });

  it('reruns the installer over a half-failed install with allowUpgrade', async () => {
    const p = validProps();
    const from = planned({
      ...p,
      aggregators: { ...p.aggregators, installer: { ...p.aggregators.installer, allowUpgrade: true } },
    });
    const { report, received } = await run('aggregator-active', HALF_INSTALLED, undefined, { from });
    expect(report.outcome).toBe('changed');
    expect(report.actions[0].detail).toMatch(/^upgraded from an unfinished install by /);
    expect(received.some((c) => isScript(c, RUN_INSTALLER))).toBe(true);
  });
});

describe("ports: DA ↔ DA, the collectors' ports on the Active aggregator, collectors connected", () => {
  const ADDRESSES: Record<string, string> = {
    da1: '10.0.0.11',
    da2: '10.0.0.12',
    dc1: '10.0.0.41',
    dc2: '10.0.0.42',
  };
  /** `ss -tn state established` on a collector connected to `to` on `ports`. */
  const established = (to: string, ports: readonly number[]) =>
    [
      'Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess',
      ...ports.map((p, i) => `0      0         10.0.0.4x:${40100 + i}  ${to}:${p}`),
    ].join('\n');

  /**
   * The whole site for the ports step: da1 Active, da2 a standby; every probe answers; each
   * collector's connections as `connections` says (default: to da1 on 8581 and 61616).
   */
  function site(connections: Record<string, string> = {}) {
    const from = planned(validProps());
    const probes: Record<string, string[]> = {};
    const answer = (name: string) => (c: ReceivedCommand) => {
      if (c.argv[2]?.startsWith('py=') && c.argv[4] === PROBE_PY) {
        const specs = c.argv.slice(8);
        probes[name] = [...(probes[name] ?? []), ...specs];
        return { stdout: JSON.stringify(specs.map((spec) => ({ spec, ok: true }))) };
      }
      if (isScript(c, DA_RUN)) return daRunAnswer(name === 'da1' ? 'Active' : 'Inactive');
      if (isScript(c, DADAEMON_VERB)) return daStatusAnswer('line', name === 'da1' ? 'Active' : 'Inactive');
      if (isScript(c, ESTABLISHED_TCP))
        return {
          stdout: `${c.argv
            .slice(4)
            .map((a) => `address\t${a}\t${a}\n`)
            .join('')}--\n${connections[name] ?? established('10.0.0.11', [8581, 61616])}\n`,
        };
      return { code: 0 };
    };
    const hosts = new Map(
      Object.entries(ADDRESSES).map(([name, address]) => [
        name,
        new RemoteHost({ ...from[0].host, name, address }, new FixtureExecutor(answer(name))),
      ]),
    );
    const proxy = new RemoteHost(from[0].host, new ProxyFixtureExecutor(answer('proxy')));
    const connect = async (h: { name?: string }) => hosts.get(h.name ?? '') ?? proxy;
    const runPorts = () =>
      executeStep(spec('ports', from), { connect: connect as never, handlers: registry });
    return { probes, runPorts };
  }

  it("probes DA ↔ DA on Consul's server ports, and each collector's ports on the Active aggregator only", async () => {
    const { probes, runPorts } = site();
    const report = await runPorts();
    expect(report.outcome).toBe('ok');
    expect(report.actions[0].detail).toContain('2 collector(s) connected');
    expect(probes.da1).toEqual(
      expect.arrayContaining(['tcp:10.0.0.12:8300:connect', 'tcp:10.0.0.12:8301:connect']),
    );
    expect(probes.da2).toEqual(
      expect.arrayContaining(['tcp:10.0.0.11:8300:connect', 'tcp:10.0.0.11:8301:connect']),
    );
    expect(probes.dc1.sort()).toEqual(['tcp:10.0.0.11:61616:connect', 'tcp:10.0.0.11:8581:connect']);
  });

  it('fails when a collector holds no connection to the Active aggregator on a port, naming both', async () => {
    const { runPorts } = site({
      dc2: established('10.0.0.11', [8581]),
      dc1: established('10.0.0.12', [8581, 61616]),
    });
    const report = await runPorts();
    expect(report.outcome).toBe('failed');
    expect(report.reason).toContain(
      'dc2 holds no connection to the Active aggregator da1 on TCP 61616 (a collector started before its aggregator hangs while its service status still says it runs): stop, then start the collector',
    );
    // Connected to the standby is not connected: it runs no DA process (KB 106988).
    expect(report.reason).toContain(
      'dc1 holds no connection to the Active aggregator da1 on TCP 8581, 61616',
    );
  });
});

describe('preflight: both aggregators end the deploy on one version', () => {
  const INSTALLED_AT = (recorded: string) =>
    `${NOT_INSTALLED.replace('installed=no', 'installed=yes')}recorded=${recorded} 20261124T090000Z\n`;

  /** The host checks alone (no paths, no shared directory): every host answers its facts. */
  function preflightWith(records: { da1: string; da2: string }) {
    const planned = spec('preflight');
    const step: StepSpec = {
      ...planned,
      actions: [{ ...(planned.actions[0] as PreflightAction), paths: [] }],
    };
    const hosts = new Map<string, ReturnType<typeof fixtureHost>>();
    const hostFor = (h: { name?: string }) => {
      const name = h.name ?? 'host';
      if (!hosts.has(name))
        hosts.set(
          name,
          fixtureHost({ ...step.host, name }, (c) => {
            if (isScript(c, HOST_FACTS))
              return {
                stdout: name === 'da1' || name === 'da2' ? INSTALLED_AT(records[name]) : NOT_INSTALLED,
              };
            return { code: 0 };
          }),
        );
      return hosts.get(name)!.host;
    };
    return executeStep(step, {
      connect: (async (h: { name?: string }) => hostFor(h)) as never,
      handlers: registry,
    });
  }

  it('refuses before anything changes when one aggregator runs a version it cannot read', async () => {
    const report = await preflightWith({ da1: '24.3.0', da2: '-' });
    expect(report.outcome).toBe('failed');
    expect(report.reason).toContain(
      'the version of the data aggregator cannot be read (installed in /opt/IMDataAggregator at a version this construct did not record',
    );
  });

  it('passes the pair when both run the declared version', async () => {
    const report = await preflightWith({ da1: '24.3.0', da2: '24.3.0' });
    expect(report.outcome).toBe('ok');
    expect(report.actions[0].detail).toMatch(/^\d+ hosts ready, 0 network paths open/);
  });
});

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
  DADAEMON_VERB,
  HOST_FACTS,
  INSTALLER_ALTERED_MESSAGE,
  INSTALLER_ALTERED_STATUS,
  MAKE_STAGING,
  PROBE_PY,
  RECEIVE_INSTALLER,
  REMOVE_STAGING,
  RUN_INSTALLER,
} from './commands';
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

describe('collectors', () => {
  const INSTALLED = `${NOT_INSTALLED.replace('installed=no', 'installed=yes')}recorded=24.3.0 20261124T090000Z\n`;
  const SEEN = '/var/lib/cdktf-failover/installed/opt_IMDataCollector.aggregators';
  const RECORD = '/var/lib/cdktf-failover/installed/opt_IMDataAggregator';

  /** A collector host and the two aggregators' hosts, whose install records say when they were installed. */
  function collector(seen: string | undefined, daStamps: [string, string]) {
    const step = spec('collector-dc1');
    const files = new Map<string, string>(seen !== undefined ? [[SEEN, seen]] : []);
    const answer = (c: ReceivedCommand, records?: string) => {
      if (isScript(c, HOST_FACTS)) return { stdout: INSTALLED };
      if (c.argv[2]?.startsWith('py='))
        return {
          stdout: JSON.stringify([
            { spec: c.argv.at(-2), ok: true },
            { spec: c.argv.at(-1), ok: false, error: 'Connection refused' },
          ]),
        };
      const path = c.argv[4];
      if (records !== undefined && path === RECORD) return { stdout: records };
      if (c.argv[2]?.includes('exec cat')) return files.has(path) ? { stdout: files.get(path) } : { code: 3 };
      return { code: 0 };
    };
    const dc = fixtureHost(step.host, (c) => answer(c));
    const das = daStamps.map((stamp, i) =>
      fixtureHost({ ...step.host, name: `da${i + 1}` }, (c) => answer(c, `24.3.0 ${stamp}\n`)),
    );
    const connect = async (h: { name?: string }) =>
      h.name === 'da1' ? das[0].host : h.name === 'da2' ? das[1].host : dc.host;
    return executeStep(step, { connect: connect as never, handlers: registry }).then((report) => ({
      report,
      received: dc.executor.received,
    }));
  }
  const restarted = (received: ReceivedCommand[]) =>
    received.some((c) => c.argv.join(' ') === 'service dcmd restart');

  it('waits for an aggregator to answer, then restarts a collector whose aggregators were installed after it started', async () => {
    const { report, received } = await collector(
      'da1 24.3.0 20261124T090000Z\nda2 24.3.0 20261124T090000Z\n',
      ['20261124T100000Z', '20261124T090000Z'],
    );
    expect(report.outcome).toBe('changed');
    expect(report.actions[0].detail).toMatch(/restarted after the aggregators changed/);
    expect(received.filter((c) => c.argv[2]?.startsWith('py=') && c.argv[4] === PROBE_PY)).toHaveLength(1);
    expect(restarted(received)).toBe(true);
  });

  it('leaves a collector alone when the aggregators are as it last saw them', async () => {
    const { report, received } = await collector(
      'da1 24.3.0 20261124T090000Z\nda2 24.3.0 20261124T090000Z\n',
      ['20261124T090000Z', '20261124T090000Z'],
    );
    expect(report.outcome).toBe('ok');
    expect(restarted(received)).toBe(false);
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

/**
 * The proxy and an aggregator pair (da1 Active, da2 Inactive) that follow dadaemon's verbs as the
 * KB describes them: maintenance hands the Active role to the other, activate makes a candidate.
 * `status` answers in `format`; `service activemq status` as `activeMq` says.
 */
function pair(
  options: {
    format?: DaStatusFormat;
    activeMq?: (host: string, states: Record<string, DaState>) => Answer;
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

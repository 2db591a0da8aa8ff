/**
 * The install handler against a scripted host: facts in, the commands it sends out. The password
 * reaches the host only on the installer's standard input.
 */
import { executeStep } from '../../src/runner/execute-step';
import { ActionRegistry } from '../../src/runner/action-registry';
import type { StepSpec } from '../../src/step';
import { toStepSpec } from '../../src/step';
import { fixtureHost, ReceivedCommand } from '../../test/support/fixture-host';
import { HOST_FACTS, PROBE_PY, RUN_INSTALLER } from './commands';
import { FAULT_TOLERANT_AGGREGATOR_HANDLERS } from './handlers';
import { planFaultTolerantAggregatorSteps } from './plan';
import { faultTolerantAggregatorSchema } from './props';
import { validProps } from './test-props';

const registry = new ActionRegistry().add('FaultTolerantAggregator', FAULT_TOLERANT_AGGREGATOR_HANDLERS);
const steps = planFaultTolerantAggregatorSteps(faultTolerantAggregatorSchema.parse(validProps()), {
  mountPath: '/DASharedRepo',
});
const spec = (id: string): StepSpec => toStepSpec(steps.find((s) => s.id === id)!);
const isScript = (c: ReceivedCommand, script: string) => c.argv[0] === 'sh' && c.argv[2] === script;

function run(id: string, facts: string, installer = { code: 0, stderr: '' }) {
  const step = spec(id);
  const { host, executor } = fixtureHost(step.host, (c) => {
    if (isScript(c, HOST_FACTS)) return { stdout: facts };
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
      '/var/tmp/cdktf-failover/response-aggregator.properties',
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

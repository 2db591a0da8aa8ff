/**
 * The install handler against a scripted host: facts in, the commands it sends out. The password
 * reaches the host only on the installer's standard input.
 */
import { executeStep } from '../../src/runner/execute-step';
import { ActionRegistry } from '../../src/runner/action-registry';
import type { StepSpec } from '../../src/step';
import { toStepSpec } from '../../src/step';
import { fixtureHost, ReceivedCommand } from '../../test/support/fixture-host';
import { HOST_FACTS, RUN_INSTALLER } from './commands';
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

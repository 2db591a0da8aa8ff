/**
 * The data repository check against scripted aggregators: the probe's answer per aggregator in, the
 * result or the one failure listing every problem out. The password reaches the check command only
 * on its standard input, and never a message.
 */
import { StepFailure } from '../../src/errors';
import type { ActionContext } from '../../src/runner/action-handler';
import type { RemoteHost } from '../../src/runner/remote-host';
import type { HostConfig } from '../../src/schema/host';
import { fixtureHost, FixtureAnswer, ReceivedCommand } from '../../test/support/fixture-host';
import { LOCAL_HOST } from '../../test/support/local-executor';
import { DATA_REPOSITORY_KIND, DataRepositoryAction } from './actions';
import { PROBE_PY } from './commands';
import { dataRepository } from './handle-data-repository';

const active: HostConfig = { ...LOCAL_HOST, name: undefined, address: '198.18.0.21' };
const inactive: HostConfig = { ...LOCAL_HOST, name: undefined, address: '198.18.0.22' };

const action = (checkCommand?: string[]): DataRepositoryAction => ({
  kind: DATA_REPOSITORY_KIND,
  description: 'the data repository answers',
  aggregators: [active, inactive],
  address: '198.18.0.30',
  port: 5433,
  ...(checkCommand ? { checkCommand } : {}),
  passwordEnv: 'DR_PASSWORD',
});

/** A probe answer: every spec it was given, open unless `closed`. */
const probeAnswer = (c: ReceivedCommand, closed: boolean): FixtureAnswer => {
  const specs = c.argv.slice(c.argv.indexOf(PROBE_PY) + 4);
  return {
    stdout: `${JSON.stringify(specs.map((spec) => (closed ? { spec, ok: false, error: 'timed out' } : { spec, ok: true })))}\n`,
  };
};

function site(answers: { closed?: HostConfig[]; refuse?: HostConfig[] } = {}) {
  const received = new Map<string, ReceivedCommand[]>();
  const hosts = new Map<string, RemoteHost>(
    [active, inactive].map((h) => {
      const { host, executor } = fixtureHost(h, (c) => {
        if (c.argv.includes(PROBE_PY)) return probeAnswer(c, answers.closed?.includes(h) ?? false);
        if (c.argv[0] === 'vsql-check')
          return answers.refuse?.includes(h)
            ? { code: 2, stderr: `FATAL: password authentication failed (${c.stdin})` }
            : {};
        return { code: 97, stderr: `unexpected ${c.argv.join(' ')}` };
      });
      received.set(h.address, executor.received);
      return [h.address, host];
    }),
  );
  const context = {
    host: hosts.get(active.address)!,
    checkOnly: false,
    connect: async (h: HostConfig) => hosts.get(h.address)!,
    aboutToChange: async () => undefined,
  } as unknown as ActionContext;
  return { context, received };
}

beforeEach(() => (process.env.DR_PASSWORD = 'hunter2-$(reboot)'));
afterEach(() => delete process.env.DR_PASSWORD);

it('passes when the repository port answers both aggregators, and runs no check command without one', async () => {
  const { context, received } = site();
  await expect(dataRepository(action(), context)).resolves.toEqual({
    changed: false,
    detail: '198.18.0.30:5433 answers both aggregators',
  });
  for (const h of [active, inactive])
    expect(received.get(h.address)!.map((c) => c.argv.includes(PROBE_PY))).toEqual([true]);
});

it('names each aggregator the repository does not answer, and checks no credentials then', async () => {
  const { context, received } = site({ closed: [inactive] });
  const failure = await dataRepository(action(['vsql-check']), context).catch((e: unknown) => e);
  expect(failure).toBeInstanceOf(StepFailure);
  expect((failure as Error).message).toMatch(/the data repository is not ready for the aggregators/);
  expect((failure as Error).message).toMatch(/198\.18\.0\.22.*the data repository 198\.18\.0\.30.*5433/s);
  expect((failure as Error).message).not.toMatch(/198\.18\.0\.21 /);
  for (const h of [active, inactive])
    expect(received.get(h.address)!.some((c) => c.argv[0] === 'vsql-check')).toBe(false);
});

it('runs the check command on both aggregators with the password on stdin only', async () => {
  const { context, received } = site();
  await expect(dataRepository(action(['vsql-check']), context)).resolves.toMatchObject({
    detail: '198.18.0.30:5433 answers both aggregators and accepts the credentials',
  });
  for (const h of [active, inactive]) {
    const check = received.get(h.address)!.find((c) => c.argv[0] === 'vsql-check')!;
    expect(check).toEqual({ argv: ['vsql-check'], stdin: 'hunter2-$(reboot)' });
  }
});

it('reports a refused login per aggregator with the password redacted', async () => {
  const { context } = site({ refuse: [active, inactive] });
  const message = await dataRepository(action(['vsql-check']), context).catch((e: Error) => e.message);
  expect(message).toMatch(
    /198\.18\.0\.21: the data repository refused the credentials of the check command \(exit 2\)/,
  );
  expect(message).toMatch(/198\.18\.0\.22: the data repository refused/);
  expect(message).not.toContain('hunter2');
});

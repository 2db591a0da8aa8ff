/**
 * The fuzz suite's other half: accepted generated props, full of hostile strings, run by the real
 * runner against a lab host. No string may ever execute: the canary file those strings would
 * create must exist neither on the host nor on this machine (where the runner runs).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import type { IConstruct } from 'constructs';
import { hostStepsSchema } from '../../src/host-steps';
import { toStepSpec } from '../../src/step';
import type { Step } from '../../src/step';
import { parseProps } from '../../src/validate';
import { hostPath, LabInventory, resetHost, startLab } from '../lab/lab';
import { CANARY, cleanHostStepsPropsArb } from '../support/fuzz-props';
import { labHostProps } from '../support/lab-hosts';

jest.setTimeout(300_000);

const SAMPLE = 40;
const RUNNER = path.join(__dirname, '..', '..', 'dist', 'runner.cjs');
const HOST = 'lab-b';
let lab: LabInventory;

beforeAll(async () => {
  lab = await startLab();
  resetHost(HOST);
  fs.rmSync(CANARY, { force: true });
});
afterAll(() => resetHost(HOST));

test(`${SAMPLE} accepted generated stacks run on a lab host: no hostile string ever executes`, () => {
  const host = lab.hosts.find((h) => h.name === HOST)!;
  const scope = { node: { path: 'fuzz/Canary' } } as IConstruct;
  const steps: Step[] = [];
  for (const props of fc.sample(cleanHostStepsPropsArb, { numRuns: SAMPLE * 20, seed: 20261124 })) {
    try {
      const config = parseProps(scope, hostStepsSchema, props) as { steps: Step[] };
      // The generated actions, on the lab host (the generated host only says how to reach it).
      const hostConfig = parseProps(scope, hostStepsSchema, {
        steps: [
          {
            id: 'h',
            description: 'h',
            host: labHostProps(lab, host),
            actions: [{ kind: 'file', path: '/x', content: '' }],
          },
        ],
      }) as { steps: Step[] };
      for (const step of config.steps) steps.push({ ...step, host: hostConfig.steps[0].host });
    } catch {
      continue;
    }
    if (steps.length >= SAMPLE) break;
  }
  expect(steps.length).toBeGreaterThanOrEqual(SAMPLE);
  // The sample carries hostile strings to the host, in file contents, lines, keys and argv.
  const hostileSteps = steps.slice(0, SAMPLE).filter((s) => JSON.stringify(s.actions).includes(CANARY));
  expect(hostileSteps.length).toBeGreaterThan(SAMPLE / 4);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuzz-canary-'));
  let ran = 0;
  for (const step of steps.slice(0, SAMPLE)) {
    const file = path.join(dir, `${ran}.json`);
    fs.writeFileSync(file, JSON.stringify(toStepSpec(step)));
    const r = spawnSync(process.execPath, [RUNNER, '--spec-file', file, '--json'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    // A step may fail (a generated command need not exist); it must never be the runner that breaks.
    expect(r.stdout).toMatch(/"event":"step"/);
    ran += 1;
  }
  expect(ran).toBe(SAMPLE);
  expect(fs.existsSync(hostPath(HOST, CANARY))).toBe(false);
  expect(fs.existsSync(CANARY)).toBe(false);
  fs.rmSync(dir, { recursive: true, force: true });
});

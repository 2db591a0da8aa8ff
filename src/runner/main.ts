/**
 * The step runner: what each step's local-exec provisioner runs (bundled with ssh2 into
 * dist/runner.cjs). It reads the step spec, connects to the host with its pinned key, runs the
 * actions, prints a line per action and one per step, and exits non-zero when the step failed,
 * which fails `terraform apply` at that step.
 *
 *   node runner.cjs                        spec from $CDKTF_FAILOVER_STEP (how Terraform runs it)
 *   node runner.cjs --spec-file step.json  spec from a file
 *   --check   report what would change, change nothing
 *   --json    print the step report as one JSON line instead of the progress lines
 *   node runner.cjs --check-stack DIR     check every step of a synthesized stack folder, in order
 * $CDKTF_FAILOVER_REPORT_FILE, when set, receives every step report as a JSON line too.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StepFailure } from '../errors';
import { REPORT_FILE_ENV, STEP_SPEC_ENV } from '../step';
import { HostConfig, hostLabel } from '../schema/host';
import type { ActionRegistry } from './action-registry';
import { executeStep, StepReport } from './execute-step';
import { RemoteHost, Traffic } from './remote-host';
import { formatActionLine, formatJsonLine, formatStepLine } from './report';
import { parseStepSpec } from './spec-schema';
import { SshSession } from './ssh-session';
import { stepsOfStack } from './stack-specs';

interface Options {
  readonly specFile?: string;
  readonly checkStack?: string;
  readonly checkOnly: boolean;
  readonly json: boolean;
}

function parseArgs(args: readonly string[]): Options {
  let specFile: string | undefined;
  let checkStack: string | undefined;
  let checkOnly = false;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--check') checkOnly = true;
    else if (args[i] === '--json') json = true;
    else if (args[i] === '--spec-file' && args[i + 1]) specFile = args[++i];
    else if (args[i] === '--check-stack' && args[i + 1]) checkStack = args[++i];
    else
      throw new StepFailure(
        `unknown argument "${args[i]}"; expected --spec-file FILE, --check-stack DIR, --check or --json`,
      );
  }
  return {
    ...(specFile ? { specFile } : {}),
    ...(checkStack ? { checkStack } : {}),
    checkOnly: checkOnly || !!checkStack,
    json,
  };
}

function readSpec(options: Options): string {
  if (options.specFile) return fs.readFileSync(options.specFile, 'utf8');
  const raw = process.env[STEP_SPEC_ENV];
  if (!raw) throw new StepFailure(`no step spec: set ${STEP_SPEC_ENV} or pass --spec-file FILE`);
  return raw;
}

/** One SSH session per host for the whole step, shared by actions that reach other hosts. */
function connectionPool(traffic: Traffic) {
  const sessions = new Map<string, Promise<SshSession>>();
  const connect = async (host: HostConfig): Promise<RemoteHost> => {
    const key = JSON.stringify([host.user, host.address, host.port, host.bastion?.address ?? '']);
    if (!sessions.has(key)) sessions.set(key, SshSession.open(host));
    return new RemoteHost(host, await sessions.get(key)!, undefined, traffic);
  };
  const closeAll = async () => {
    for (const pending of sessions.values()) (await pending.catch(() => undefined))?.close();
  };
  return { connect, closeAll };
}

async function runStep(raw: string, options: Options, handlers: ActionRegistry): Promise<StepReport> {
  const spec = parseStepSpec(raw);
  const traffic = new Traffic();
  const pool = connectionPool(traffic);
  try {
    return await executeStep(spec, {
      connect: pool.connect,
      traffic,
      handlers,
      checkOnly: options.checkOnly,
      onAction: (action) => {
        if (!options.json) console.log(formatActionLine(spec.id, hostLabel(spec.host), action));
      },
    });
  } finally {
    await pool.closeAll();
  }
}

function publish(report: StepReport, options: Options): void {
  if (options.json) console.log(formatJsonLine(report));
  else if (report.outcome === 'failed') console.error(formatStepLine(report));
  else console.log(formatStepLine(report));
  const reportFile = process.env[REPORT_FILE_ENV];
  if (reportFile) fs.appendFileSync(reportFile, `${formatJsonLine(report)}\n`);
}

/** Checks every step of a synthesized stack in order; later steps see the hosts as they are now. */
async function checkStack(dir: string, options: Options, handlers: ActionRegistry): Promise<number> {
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'cdk.tf.json'), 'utf8'));
  let failed = 0;
  for (const step of stepsOfStack(config)) {
    if (step.destroyTime) continue;
    if (step.spec === undefined) {
      console.log(`[failover] ${step.resource}: SKIPPED - it uses values known only at apply time`);
      continue;
    }
    const report = await runStep(step.spec, options, handlers);
    publish(report, options);
    if (report.outcome === 'failed') failed += 1;
  }
  return failed > 0 ? 1 : 0;
}

async function main(handlers: ActionRegistry): Promise<number> {
  let options: Options = { checkOnly: false, json: false };
  try {
    options = parseArgs(process.argv.slice(2));
    if (options.checkStack) return await checkStack(options.checkStack, options, handlers);
    const report = await runStep(readSpec(options), options, handlers);
    publish(report, options);
    return report.outcome === 'failed' ? 1 : 0;
  } catch (error) {
    const reason = error instanceof StepFailure ? error.message : String((error as Error).stack ?? error);
    console.error(`[failover] runner: FAILED: ${reason}`);
    return 2;
  }
}

/** Runs the runner with these handlers (the top-level runner.ts gathers them); sets the exit code. */
export async function runRunner(handlers: ActionRegistry): Promise<void> {
  process.exitCode = await main(handlers);
}

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
 *
 * Installed as the `cdktf-failover` command, for people and pipelines:
 *   cdktf-failover check DIR [--json]     exit 0: every host as wanted; 2: something would change
 *                                         (printed with the terraform apply -replace=… that repairs
 *                                         it); 1: a step could not be checked
 *   cdktf-failover repair DIR [-- ARGS]   runs that terraform apply (ARGS go to terraform)
 *   cdktf-failover summary DIR [--report FILE]
 *                                         prints the Markdown summary: the topology as a Mermaid
 *                                         diagram, the steps, the problems, the runbooks; marked
 *                                         with a run's outcomes when given its JSONL report
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StepFailure } from '../errors';
import { REPORT_FILE_ENV, STEP_SPEC_ENV } from '../step';
import { hostLabel } from '../schema/host';
import type { ActionRegistry } from './action-registry';
import { executeStep, StepReport } from './execute-step';
import { connectionPool } from './connection-pool';
import { Traffic } from './remote-host';
import { formatActionLine, formatJsonLine, formatStepLine } from './report';
import { parseStepSpec } from './spec-schema';
import { SshSession } from './ssh-session';
import { stepsOfStack, stepsToReplace } from './stack-specs';
import { summarizeStack } from '../summary/summarize';
import type { TopologyReaders } from '../summary/topology';

interface Options {
  readonly specFile?: string;
  readonly checkStack?: string;
  readonly checkOnly: boolean;
  readonly json: boolean;
  /** `check` or `repair`: the command-line forms. */
  readonly command?: 'check' | 'repair';
  /** For repair: what goes on to terraform apply. */
  readonly terraformArgs?: readonly string[];
  /** The summary command: the stack folder and the run's report file. */
  readonly summary?: { readonly dir: string; readonly reportFile?: string };
}

const USAGE =
  'usage: cdktf-failover check STACK_DIR [--json] | cdktf-failover repair STACK_DIR [-- TERRAFORM_ARGS] | cdktf-failover summary STACK_DIR [--report REPORT_JSONL]';

function parseSummaryArgs(args: readonly string[]): Options {
  const dir = args[1];
  if (!dir || dir.startsWith('-'))
    throw new StepFailure(`summary needs a synthesized stack folder; ${USAGE}`);
  let reportFile: string | undefined;
  for (let i = 2; i < args.length; i++) {
    if (args[i] === '--report' && args[i + 1] && reportFile === undefined) reportFile = args[++i];
    else throw new StepFailure(`unknown argument "${args[i]}"; ${USAGE}`);
  }
  return { checkOnly: true, json: false, summary: { dir, ...(reportFile ? { reportFile } : {}) } };
}

function parseArgs(args: readonly string[]): Options {
  if (args[0] === 'summary') return parseSummaryArgs(args);
  if (args[0] === 'check' || args[0] === 'repair') {
    const command = args[0];
    const dir = args[1];
    if (!dir || dir.startsWith('-'))
      throw new StepFailure(`${command} needs a synthesized stack folder; ${USAGE}`);
    const dash = args.indexOf('--');
    const own = dash < 0 ? args.slice(2) : args.slice(2, dash);
    const unknown = own.filter((a) => a !== '--json');
    if (unknown.length > 0) throw new StepFailure(`unknown argument "${unknown[0]}"; ${USAGE}`);
    return {
      command,
      checkStack: dir,
      checkOnly: true,
      json: own.includes('--json'),
      terraformArgs: dash < 0 ? [] : args.slice(dash + 1),
    };
  }
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

async function runStep(raw: string, options: Options, handlers: ActionRegistry): Promise<StepReport> {
  const spec = parseStepSpec(raw);
  const traffic = new Traffic();
  const pool = connectionPool(traffic, (host) => SshSession.open(host));
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

/** What a check of a whole stack found. */
interface StackCheck {
  readonly reports: StepReport[];
  readonly skipped: string[];
  /** Addresses of the steps that would change something. */
  readonly drifted: string[];
  /** What terraform apply -replace=… must name to repair them. */
  readonly replace: string[];
  /** Actions whose change would notify a restart (or other handler). */
  readonly notifications: string[];
  /** How many steps could not be checked. */
  readonly failed: number;
}

/** Checks every step of a synthesized stack in order; later steps see the hosts as they are now. */
async function checkWholeStack(dir: string, options: Options, handlers: ActionRegistry): Promise<StackCheck> {
  let config: unknown;
  try {
    config = JSON.parse(fs.readFileSync(path.join(dir, 'cdk.tf.json'), 'utf8'));
  } catch (error) {
    throw new StepFailure(
      `${dir} is not a synthesized stack folder (${(error as NodeJS.ErrnoException).code ?? (error as Error).message} reading cdk.tf.json); run cdktf synth and give cdktf.out/stacks/<stack>`,
    );
  }
  const steps = stepsOfStack(config as Parameters<typeof stepsOfStack>[0]);
  const reports: StepReport[] = [];
  const skipped: string[] = [];
  const drifted: string[] = [];
  const notifications: string[] = [];
  // `check --json` prints one summary and `repair` hands over to terraform; the rest show each step.
  const quiet = (options.command === 'check' && options.json) || options.command === 'repair';
  for (const step of steps) {
    if (step.destroyTime) continue;
    if (step.spec === undefined) {
      skipped.push(step.resource);
      if (!quiet)
        console.log(`[failover] ${step.resource}: SKIPPED - it uses values known only at apply time`);
      continue;
    }
    const report = await runStep(step.spec, { ...options, json: quiet || options.json }, handlers);
    reports.push(report);
    if (!quiet) publish(report, options);
    if (report.outcome === 'changed') drifted.push(step.resource);
    for (const a of report.actions)
      if (a.detail?.includes('notifies '))
        notifications.push(`${report.host} ${report.step}: ${a.action} (${a.detail})`);
  }
  return {
    reports,
    skipped,
    drifted,
    replace: stepsToReplace(steps, new Set(drifted)),
    notifications,
    failed: reports.filter((r) => r.outcome === 'failed').length,
  };
}

function repairCommand(dir: string, replace: readonly string[], extra: readonly string[] = []): string[] {
  return ['terraform', `-chdir=${dir}`, 'apply', ...replace.map((r) => `-replace=${r}`), ...extra];
}

function printCheck(dir: string, check: StackCheck, options: Options): void {
  if (options.json) {
    console.log(
      JSON.stringify({
        event: 'check',
        outcome: check.failed > 0 ? 'failed' : check.drifted.length > 0 ? 'drift' : 'ok',
        drifted: check.drifted,
        replace: check.replace,
        repair: check.replace.length > 0 ? repairCommand(dir, check.replace) : undefined,
        notifications: check.notifications,
        skipped: check.skipped,
        steps: check.reports,
      }),
    );
    return;
  }
  if (check.failed > 0) console.log(`\n${check.failed} step(s) could not be checked; see above.`);
  if (check.drifted.length === 0) {
    if (check.failed === 0) console.log('\nEvery host is as the stack wants it.');
    return;
  }
  console.log(`\n${check.drifted.length} step(s) would change a host: ${check.drifted.join(', ')}`);
  if (check.notifications.length > 0)
    console.log(`The repair would also cause:\n${check.notifications.map((n) => `  - ${n}`).join('\n')}`);
  console.log(
    `Repair with (or: cdktf-failover repair ${dir}):\n  ${repairCommand(dir, check.replace).join(' ')}`,
  );
}

/** The exit status of check: 0 as wanted, 2 something would change, 1 a step could not be checked. */
function checkStatus(check: StackCheck): number {
  if (check.failed > 0) return 1;
  return check.drifted.length > 0 ? 2 : 0;
}

async function repair(dir: string, options: Options, handlers: ActionRegistry): Promise<number> {
  const check = await checkWholeStack(dir, options, handlers);
  if (check.failed > 0) {
    for (const r of check.reports) if (r.outcome === 'failed') console.error(formatStepLine(r));
    console.error('Not repairing: fix what could not be checked first.');
    return 1;
  }
  if (check.drifted.length === 0) {
    console.log('Every host is as the stack wants it: nothing to repair.');
    return 0;
  }
  const [program, ...args] = repairCommand(dir, check.replace, options.terraformArgs);
  console.log(`Repairing ${check.drifted.join(', ')}: ${[program, ...args].join(' ')}`);
  const run = spawnSync(program, args, { stdio: 'inherit' });
  if (run.error)
    throw new StepFailure(`cannot run terraform: ${run.error.message}; is the terraform CLI on PATH?`);
  return run.status ?? 1;
}

async function main(handlers: ActionRegistry, topology: TopologyReaders): Promise<number> {
  let options: Options = { checkOnly: false, json: false };
  try {
    options = parseArgs(process.argv.slice(2));
    if (options.summary) {
      process.stdout.write(summarizeStack(options.summary.dir, topology, options.summary.reportFile));
      return 0;
    }
    if (options.command === 'repair') return await repair(options.checkStack!, options, handlers);
    if (options.checkStack) {
      const check = await checkWholeStack(options.checkStack, options, handlers);
      if (options.command === 'check') printCheck(options.checkStack, check, options);
      return options.command === 'check' ? checkStatus(check) : check.failed > 0 ? 1 : 0;
    }
    const report = await runStep(readSpec(options), options, handlers);
    publish(report, options);
    return report.outcome === 'failed' ? 1 : 0;
  } catch (error) {
    const reason = error instanceof StepFailure ? error.message : String((error as Error).stack ?? error);
    console.error(`[failover] runner: FAILED: ${reason}`);
    // check's own statuses are 0 and 2: anything that stops it is 1, like terraform plan's.
    return options.command || ['check', 'repair', 'summary'].includes(process.argv[2] ?? '') ? 1 : 2;
  }
}

/**
 * Runs the runner with these handlers and topology readers (the top-level runner.ts gathers them);
 * sets the exit code.
 */
export async function runRunner(handlers: ActionRegistry, topology: TopologyReaders): Promise<void> {
  process.exitCode = await main(handlers, topology);
}

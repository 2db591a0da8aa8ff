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
 * $CDKTF_FAILOVER_REPORT_FILE, when set, receives every step report as a JSON line too.
 */
import * as fs from 'node:fs';
import { CONSTRUCT_ACTIONS } from '../../constructs/runner-actions';
import { StepFailure } from '../errors';
import { HostConfig, hostLabel } from '../schema/host';
import { BUILTIN_ACTIONS } from './builtin-actions';
import { executeStep, StepReport } from './execute-step';
import { RemoteHost } from './remote-host';
import { formatActionLine, formatJsonLine, formatStepLine } from './report';
import { parseStepSpec } from './spec-schema';
import { SshSession } from './ssh-session';

const SPEC_ENV = 'CDKTF_FAILOVER_STEP';
const REPORT_FILE_ENV = 'CDKTF_FAILOVER_REPORT_FILE';

interface Options {
  readonly specFile?: string;
  readonly checkOnly: boolean;
  readonly json: boolean;
}

function parseArgs(args: readonly string[]): Options {
  let specFile: string | undefined;
  let checkOnly = false;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--check') checkOnly = true;
    else if (args[i] === '--json') json = true;
    else if (args[i] === '--spec-file' && args[i + 1]) specFile = args[++i];
    else throw new StepFailure(`unknown argument "${args[i]}"; expected --spec-file FILE, --check or --json`);
  }
  return { ...(specFile ? { specFile } : {}), checkOnly, json };
}

function readSpec(options: Options): string {
  if (options.specFile) return fs.readFileSync(options.specFile, 'utf8');
  const raw = process.env[SPEC_ENV];
  if (!raw) throw new StepFailure(`no step spec: set ${SPEC_ENV} or pass --spec-file FILE`);
  return raw;
}

/** One SSH session per host for the whole step, shared by actions that reach other hosts. */
function connectionPool() {
  const sessions = new Map<string, Promise<SshSession>>();
  const connect = async (host: HostConfig): Promise<RemoteHost> => {
    const key = JSON.stringify([host.user, host.address, host.port, host.bastion?.address ?? '']);
    if (!sessions.has(key)) sessions.set(key, SshSession.open(host));
    return new RemoteHost(host, await sessions.get(key)!);
  };
  const closeAll = async () => {
    for (const pending of sessions.values()) (await pending.catch(() => undefined))?.close();
  };
  return { connect, closeAll };
}

async function main(): Promise<number> {
  let options: Options = { checkOnly: false, json: false };
  let report: StepReport;
  try {
    options = parseArgs(process.argv.slice(2));
    const spec = parseStepSpec(readSpec(options));
    const pool = connectionPool();
    try {
      report = await executeStep(spec, {
        connect: pool.connect,
        handlers: { ...BUILTIN_ACTIONS, ...CONSTRUCT_ACTIONS },
        checkOnly: options.checkOnly,
        onAction: (action) => {
          if (!options.json) console.log(formatActionLine(spec.id, hostLabel(spec.host), action));
        },
      });
    } finally {
      await pool.closeAll();
    }
  } catch (error) {
    const reason = error instanceof StepFailure ? error.message : String((error as Error).stack ?? error);
    console.error(`[failover] runner: FAILED: ${reason}`);
    return 2;
  }
  if (options.json) console.log(formatJsonLine(report));
  else if (report.outcome === 'failed') console.error(formatStepLine(report));
  else console.log(formatStepLine(report));
  const reportFile = process.env[REPORT_FILE_ENV];
  if (reportFile) fs.appendFileSync(reportFile, `${formatJsonLine(report)}\n`);
  return report.outcome === 'failed' ? 1 : 0;
}

main().then((code) => {
  process.exitCode = code;
});

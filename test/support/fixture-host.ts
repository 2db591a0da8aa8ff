/**
 * A host that answers from fixtures, for handler unit tests: facts in, the commands the runner sent
 * out. It stands in for the persistent shell, so it sees each command as the host would receive
 * it; the argv is recovered from the quoted command line.
 */
import type { CommandExecutor } from '../../src/runner/remote-host';
import { RemoteHost, Traffic } from '../../src/runner/remote-host';
import type { AgentRequest, AgentResponse, CommandBatcher } from '../../src/runner/shell-agent';
import type { ExecResult } from '../../src/runner/ssh-session';
import type { HostConfig } from '../../src/schema/host';

export interface FixtureAnswer {
  readonly code?: number;
  readonly stdout?: string;
  readonly stderr?: string;
}

export interface ReceivedCommand {
  readonly argv: string[];
  readonly stdin: string;
}

/** The argv of a command line made of single-quoted words (the POSIX dialect's only form). */
export function argvOf(line: string): string[] {
  const words: string[] = [];
  const word = /'((?:[^']|'\\'')*)'(?: |$)/gy;
  for (let m = word.exec(line); m; m = word.exec(line)) words.push(m[1].replace(/'\\''/g, "'"));
  if (words.join('').length === 0 && line.length > 0) throw new Error(`not a quoted argv: ${line}`);
  return words;
}

export class FixtureExecutor implements CommandExecutor {
  public readonly received: ReceivedCommand[] = [];

  constructor(private readonly answer: (command: ReceivedCommand) => FixtureAnswer) {}

  async exec(): Promise<ExecResult> {
    throw new Error('a POSIX host is reached through its persistent shell');
  }

  async agent(): Promise<CommandBatcher> {
    return {
      batch: async (requests: readonly AgentRequest[]): Promise<AgentResponse[]> => {
        const responses: AgentResponse[] = [];
        let skipping = false;
        for (const r of requests) {
          if (skipping) {
            responses.push({ status: 'skipped', stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) });
            continue;
          }
          if (r.lock) {
            // The host's step lock: granted, as on a host where no other step runs.
            responses.push({ status: 0, stdout: Buffer.from(r.command), stderr: Buffer.alloc(0) });
            continue;
          }
          const received = { argv: argvOf(r.command), stdin: r.stdin?.toString() ?? '' };
          this.received.push(received);
          const a = this.answer(received);
          const status = a.code ?? 0;
          if (status !== 0 && r.mustSucceed) skipping = true;
          responses.push({
            status,
            stdout: Buffer.from(a.stdout ?? ''),
            stderr: Buffer.from(a.stderr ?? ''),
          });
        }
        return responses;
      },
    };
  }
}

export function fixtureHost(
  config: HostConfig,
  answer: (command: ReceivedCommand) => FixtureAnswer,
): { host: RemoteHost; executor: FixtureExecutor; traffic: Traffic } {
  const executor = new FixtureExecutor(answer);
  const traffic = new Traffic();
  return { host: new RemoteHost(config, executor, '/var/lib/cdktf-failover', traffic), executor, traffic };
}

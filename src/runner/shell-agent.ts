/**
 * One persistent shell per connection to a POSIX host: the runner starts AGENT_SCRIPT once (in one
 * SSH exec channel, under `sudo -n` when the host asks for it) and sends it framed commands over
 * stdin; the agent answers each with its exit status, stdout and stderr. A batch of commands is
 * written at once and answered at once: one network round trip however many commands it holds.
 *
 * Nothing runs that was not received whole. The agent copies each frame to files in its private
 * directory in bounded chunks (`head -c` never reads past the count it is given, so the next frame
 * stays in the pipe), checks both lengths and the stdin's sha256 against the header, and ends with
 * a message on stderr at the first mismatch: a connection cut mid-frame, a full disk or a garbled
 * header ends the shell instead of running part of a command. The private directory is made in the
 * login's home when only the login may write there (not a shared /tmp that may be a small tmpfs),
 * else in $TMPDIR or /var/tmp.
 *
 * Each command runs in its own session (setsid), so its timeout kills its whole process group on
 * the host, never just the shell that started it. A command can end before its watchdog has made
 * its own session: the watchdog is then killed by pid, so the agent never waits out a timeout.
 * Each command writes to output files of its own, and the answer carries exactly the byte count it
 * announces: a background child that keeps its stdout open cannot leak into a later answer.
 *
 * Request:  "<id> <mustSucceed 0|1> <timeoutSeconds> <commandBytes> <stdinBytes> <stdinSha256|->\n"
 *           command stdin
 *           "resume <n>\n" ends the skipping that a failed mustSucceed command started: a new batch
 *           of n requests (the PowerShell session reads all n before it runs any; sh ignores n)
 *           "<id> L <waitSeconds> <pathBytes> 0 -\n" path: take the host's step lock (flock on that
 *           file), held until the agent ends; refused, the rest of the batch is skipped
 * Response: "<id> <status> <stdoutBytes> <stderrBytes>\n" stdout stderr
 *           status: the exit code, T (timed out, process group killed) or S (skipped: an earlier
 *           command of the batch that had to succeed failed)
 */
import { createHash } from 'node:crypto';
import { PRIVATE_HOME_AS_BASE } from '../dialect/posix';
import type { Readable, Writable } from 'node:stream';

/** The agent's exit status when a frame was not received whole: nothing of it ran. */
export const FRAME_MISMATCH_STATUS = 71;

/** Constant: no value is ever spliced into it; commands arrive as data on stdin. */
export const AGENT_SCRIPT = `export LC_ALL=C
umask 077
base=\${TMPDIR:-/var/tmp}
${PRIVATE_HOME_AS_BASE}
d=$(mktemp -d "$base/.cdktf-failover-agent.XXXXXX") || exit 70
trap 'rm -rf "$d"' EXIT
# The library's own scripts stage here too (see READ_FILES_SCRIPT), not in a /tmp that may be small.
CDKTF_FAILOVER_TMP=$d; export CDKTF_FAILOVER_TMP
refuse() {
  printf 'cdktf-failover-agent: %s; nothing of it was run\\n' "$1" >&2
  exit ${FRAME_MISMATCH_STATUS}
}
# Answers request $id with status $rc and exactly the bytes of its output files, then drops them.
answer() {
  set -- $(stat -c %s -- "$d/o$id" "$d/e$id")
  printf '%s %s %s %s\\n' "$id" "$rc" "$1" "$2"
  head -c "$1" "$d/o$id"
  head -c "$2" "$d/e$id"
  rm -f "$d/o$id" "$d/e$id"
}
printf 'cdktf-failover-agent ready\\n'
skip=0
while IFS=' ' read -r id must timeout clen ilen isum; do
  if [ "$id" = resume ]; then skip=0; continue; fi
  if [ "$must" = L ]; then
    case "$id:$timeout:$clen" in
      *[!0-9:]*|*::*|:*|*:) refuse "a lock request header was garbled" ;;
    esac
    head -c "$clen" > "$d/c"
    [ "$(stat -c %s -- "$d/c")" = "$clen" ] || refuse "lock request $id was cut short"
    lk=$(cat "$d/c")
    : > "$d/e$id"
    if [ -z "\${locked:-}" ]; then
      # A login that may not write the shared state folder locks against its own steps, in its
      # own home; a failed exec would end the shell, so each file is tried in a subshell first.
      mkdir -p -- "\${lk%/*}" 2>/dev/null
      if ! ( : >> "$lk" ) 2>/dev/null && [ "$base" = "\${HOME:-}" ]; then lk=$base/.cdktf-failover-host.lock; fi
      if ( : >> "$lk" ) 2>"$d/e$id"; then exec 9>>"$lk"; fi
    fi
    if [ -s "$d/e$id" ]; then rc=1
    elif ! command -v flock >/dev/null 2>&1; then rc=127; echo "flock (util-linux) is not installed" > "$d/e$id"
    elif flock -w "$timeout" 9 2>"$d/e$id"; then rc=0; locked=1; printf '%s' "$lk" > "$d/o$id"
    else rc=1; fi
    # Without the lock, the rest of the batch must not run.
    if [ "$rc" != 0 ]; then skip=1; fi
    [ -e "$d/o$id" ] || : > "$d/o$id"
    answer
    continue
  fi
  case "$id:$must:$timeout:$clen:$ilen" in
    *[!0-9:]*|*::*|:*|*:) refuse "a request header was garbled" ;;
  esac
  head -c "$clen" > "$d/c"
  if [ "$ilen" -gt 0 ]; then head -c "$ilen" > "$d/i"; else : > "$d/i"; fi
  set -- $(stat -c %s -- "$d/c" "$d/i")
  [ "$1:$2" = "$clen:$ilen" ] || refuse "request $id announced $clen command and $ilen input bytes, $1 and $2 arrived (a cut connection, or no space left in $d)"
  if [ "$ilen" -gt 0 ]; then
    sum=$(sha256sum < "$d/i") || refuse "the input of request $id could not be checked"
    [ "\${sum%% *}" = "$isum" ] || refuse "the input of request $id arrived altered (sha256 differs)"
  fi
  if [ "$skip" = 1 ]; then printf '%s S 0 0\\n' "$id"; continue; fi
  rm -f "$d/t"
  setsid sh "$d/c" < "$d/i" > "$d/o$id" 2> "$d/e$id" 9>&- &
  pid=$!
  setsid sh -c 'sleep "$1" && : > "$3" && kill -KILL "-$2"' watchdog "$timeout" "$pid" "$d/t" </dev/null >/dev/null 2>&1 9>&- &
  w=$!
  wait "$pid"; rc=$?
  kill -KILL "-$w" 2>/dev/null || kill -KILL "$w" 2>/dev/null; wait "$w" 2>/dev/null
  if [ -e "$d/t" ]; then rc=T; fi
  if [ "$rc" != 0 ] && [ "$must" = 1 ]; then skip=1; fi
  answer
done`;

export const AGENT_READY = 'cdktf-failover-agent ready\n';

export interface AgentRequest {
  /** A shell command line; the agent runs it with `sh`. */
  readonly command: string;
  readonly stdin?: string | Buffer;
  readonly timeoutSeconds: number;
  /** When it fails (or times out), the rest of the batch is skipped. */
  readonly mustSucceed?: boolean;
  /**
   * Not a command: `command` is the path of a lock file, which the agent locks (flock, exclusive,
   * waiting up to timeoutSeconds) and holds until it ends. Status 0 and the path locked on stdout,
   * else non-zero and the rest of the batch skipped. The commands it runs never inherit the lock.
   */
  readonly lock?: boolean;
}

export type AgentStatus = number | 'timeout' | 'skipped';

export interface AgentResponse {
  readonly status: AgentStatus;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
}

/** Renders one request's frame (pure, for tests). */
export function frameRequest(id: number, request: AgentRequest): Buffer {
  const command = Buffer.from(request.command, 'utf8');
  if (command.length === 0) throw new Error('an agent request needs a command');
  const stdin = Buffer.isBuffer(request.stdin) ? request.stdin : Buffer.from(request.stdin ?? '', 'utf8');
  const timeout = Math.max(1, Math.ceil(request.timeoutSeconds));
  const digest = stdin.length > 0 ? createHash('sha256').update(stdin).digest('hex') : '-';
  const kind = request.lock ? 'L' : request.mustSucceed ? 1 : 0;
  const header = `${id} ${kind} ${timeout} ${command.length} ${stdin.length} ${digest}\n`;
  return Buffer.concat([Buffer.from(header), command, stdin]);
}

/** Incremental parser of the agent's answers. */
export class ResponseParser {
  private buffer = Buffer.alloc(0);
  private pending: { id: number; status: AgentStatus; out: number; err: number } | undefined;
  public readyLineSeen = false;

  /** Feeds bytes; returns every response completed by them, with its request id. */
  push(chunk: Buffer): Array<{ id: number; response: AgentResponse }> {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const done: Array<{ id: number; response: AgentResponse }> = [];
    for (;;) {
      if (!this.readyLineSeen) {
        const nl = this.buffer.indexOf(0x0a);
        if (nl < 0) return done;
        const line = this.buffer.subarray(0, nl + 1).toString('utf8');
        if (line !== AGENT_READY) throw new Error(`the remote shell did not start: ${line.trim()}`);
        this.readyLineSeen = true;
        this.buffer = this.buffer.subarray(nl + 1);
        continue;
      }
      if (!this.pending) {
        const nl = this.buffer.indexOf(0x0a);
        if (nl < 0) return done;
        const fields = this.buffer.subarray(0, nl).toString('utf8').split(' ');
        this.buffer = this.buffer.subarray(nl + 1);
        if (
          fields.length !== 4 ||
          !/^\d+$/.test(fields[0]) ||
          !/^\d+$/.test(fields[2]) ||
          !/^\d+$/.test(fields[3])
        )
          throw new Error(`garbled answer from the remote shell: ${fields.join(' ')}`);
        const status: AgentStatus =
          fields[1] === 'T' ? 'timeout' : fields[1] === 'S' ? 'skipped' : Number(fields[1]);
        this.pending = { id: Number(fields[0]), status, out: Number(fields[2]), err: Number(fields[3]) };
      }
      const { id, status, out, err } = this.pending;
      if (this.buffer.length < out + err) return done;
      done.push({
        id,
        response: {
          status,
          stdout: Buffer.from(this.buffer.subarray(0, out)),
          stderr: Buffer.from(this.buffer.subarray(out, out + err)),
        },
      });
      this.buffer = this.buffer.subarray(out + err);
      this.pending = undefined;
    }
  }
}

/** What the runner needs of a persistent shell: a batch of commands, answered in order. */
export interface CommandBatcher {
  batch(requests: readonly AgentRequest[], localTimeoutMs: number): Promise<AgentResponse[]>;
}

/**
 * The runner's end of one agent. Batches run one at a time, in order; the returned responses are in
 * request order. A transport failure (the channel closed, the agent died) rejects the batch.
 */
export class ShellAgent implements CommandBatcher {
  private readonly parser = new ResponseParser();
  private nextId = 1;
  private waiting = new Map<number, (response: AgentResponse) => void>();
  private failure: Error | undefined;
  private failWaiting: ((error: Error) => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private stderrTail = '';
  private readonly ready: Promise<void>;

  constructor(
    private readonly input: Writable,
    output: Readable,
    stderr?: Readable,
  ) {
    let resolveReady: () => void = () => undefined;
    let rejectReady: (e: Error) => void = () => undefined;
    this.ready = new Promise((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    // A shell that ends before anyone asked it anything is not an error of its own: whoever awaits
    // ready still sees the rejection.
    this.ready.catch(() => undefined);
    stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-2000);
    });
    output.on('data', (chunk: Buffer) => {
      try {
        const wasReady = this.parser.readyLineSeen;
        for (const { id, response } of this.parser.push(chunk)) {
          this.waiting.get(id)?.(response);
          this.waiting.delete(id);
        }
        if (!wasReady && this.parser.readyLineSeen) resolveReady();
      } catch (error) {
        this.fail(error as Error);
        rejectReady(error as Error);
      }
    });
    const closed = (): void => {
      const detail = this.stderrTail.trim().split('\n').slice(-3).join('\n');
      const error = new Error(`the remote shell ended${detail ? `: ${detail}` : ''}`);
      this.fail(error);
      rejectReady(error);
    };
    output.on('close', closed);
    output.on('end', closed);
    // Writing to a shell that just died can fail before its output closes: the same failure, named so.
    input.on('error', (e: Error) =>
      this.fail(new Error(`the remote shell stopped taking commands (${e.message})`)),
    );
  }

  whenReady(): Promise<void> {
    return this.ready;
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.failWaiting?.(error);
  }

  /** Sends every request at once and resolves with every answer: one round trip. */
  batch(requests: readonly AgentRequest[], localTimeoutMs: number): Promise<AgentResponse[]> {
    const run = async (): Promise<AgentResponse[]> => {
      await this.ready;
      if (this.failure) throw this.failure;
      if (requests.length === 0) return [];
      const ids = requests.map(() => this.nextId++);
      const answers = ids.map((id) => new Promise<AgentResponse>((resolve) => this.waiting.set(id, resolve)));
      const transportFailure = new Promise<never>((_, reject) => {
        this.failWaiting = reject;
        if (this.failure) reject(this.failure);
      });
      let timer: NodeJS.Timeout | undefined;
      const overdue = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(`the remote shell did not answer within ${Math.round(localTimeoutMs / 1000)} s`),
            ),
          localTimeoutMs,
        );
      });
      this.input.write(
        Buffer.concat([
          Buffer.from(`resume ${requests.length}\n`),
          ...requests.map((r, i) => frameRequest(ids[i], r)),
        ]),
      );
      try {
        return await Promise.race([Promise.all(answers), transportFailure, overdue]);
      } finally {
        clearTimeout(timer);
        this.failWaiting = undefined;
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  close(): void {
    this.input.end();
  }
}

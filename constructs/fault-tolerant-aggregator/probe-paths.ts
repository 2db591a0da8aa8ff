/**
 * Proves network paths from host to host: where nothing listens yet, a short-lived listener on the
 * target stands in for the service, and the source probes it with a token only this run knows.
 */
import { sleep } from '../../src/runner/sleep';
import { randomBytes } from 'node:crypto';
import { shellScript } from '../../src/dialect/posix';
import { StepFailure } from '../../src/errors';
import type { CommandResult, RemoteHost } from '../../src/runner/remote-host';
import { tail } from '../../src/runner/remote-host';
import { HostConfig, hostLabel } from '../../src/schema/host';
import type { NetworkPath } from './actions';
import { LISTENER_PY, PROBE_PY, RUN_PYTHON } from './commands';
import { PathObservations, pathProblems, probeMode, probeSpec } from './network-paths';
import { ListenerReport, parseListenerReport, parseProbeResults } from './parse';

/** How long a listener waits for its probes; it ends early once all arrived. */
const LISTEN_SECONDS = 12;
/** How long a probe waits for a TCP connection (a dropped port costs this much). */
const CONNECT_SECONDS = 3;
/** How long the runner waits for a listener to be ready. */
const READY_TIMEOUT_MS = 10_000;

type Connect = (host: HostConfig) => Promise<RemoteHost>;

interface Listener {
  readonly label: string;
  readonly done: Promise<CommandResult>;
  busy: readonly string[];
  failure?: string;
}

async function startListener(
  host: RemoteHost,
  token: string,
  bind: boolean,
  specs: string[],
): Promise<Listener> {
  const ready = `/tmp/cdktf-failover-listener-${token}`;
  const done = host.runAlongside({
    argv: shellScript(
      RUN_PYTHON,
      LISTENER_PY,
      token,
      ready,
      String(LISTEN_SECONDS),
      bind ? 'bind' : 'inspect',
      ...specs,
    ),
  });
  let settled: CommandResult | undefined;
  void done.then((r) => (settled = r)).catch(() => undefined);
  const listener: Listener = { label: host.label, done, busy: [] };
  const started = Date.now();
  for (let attempt = 0; Date.now() - started < READY_TIMEOUT_MS && attempt < 200; attempt++) {
    const text = await host.readFile(ready);
    if (text !== undefined) {
      listener.busy = JSON.parse(text) as string[];
      await host.run({ argv: ['rm', '-f', '--', ready] });
      return listener;
    }
    if (settled) break;
    await sleep(50);
  }
  const result = settled ?? (await Promise.race([done, sleep(2000).then(() => undefined)]));
  // A listener with nothing to wait for (every port already in use, or only inspected) writes its
  // ready file and ends at once, maybe between two looks at the file: its report says the same.
  const report = result?.code === 0 ? listenerReport(result.stdout) : undefined;
  if (report) {
    listener.busy = report.busy;
    await host.run({ argv: ['rm', '-f', '--', ready] });
    return listener;
  }
  listener.failure = result
    ? `the listener exited ${result.code}: ${tail(result.stderr || result.stdout, 2)}`
    : `the listener was not ready within ${READY_TIMEOUT_MS / 1000} s`;
  return listener;
}

function listenerReport(stdout: string): ListenerReport | undefined {
  try {
    return parseListenerReport(stdout);
  } catch {
    return undefined;
  }
}

/**
 * Probes every path and returns one problem per closed path. `listenOn`: the targets where a
 * listener may stand in for a service not installed yet (the others are only inspected for what
 * listens); undefined after installation, when the installed services must answer.
 */
export async function checkPaths(
  paths: readonly NetworkPath[],
  connect: Connect,
  listenOn?: ReadonlySet<string>,
): Promise<string[]> {
  const token = randomBytes(8).toString('hex');
  const byTarget = new Map<string, { host: HostConfig; specs: Map<string, number> }>();
  if (listenOn) {
    for (const path of paths) {
      if (!path.toHost) continue;
      const label = hostLabel(path.toHost);
      const entry = byTarget.get(label) ?? { host: path.toHost, specs: new Map<string, number>() };
      const key = `${path.protocol}:${path.port}`;
      entry.specs.set(key, (entry.specs.get(key) ?? 0) + 1);
      byTarget.set(label, entry);
    }
  }
  const listeners = await Promise.all(
    [...byTarget].map(async ([label, { host, specs }]) =>
      startListener(
        await connect(host),
        token,
        listenOn!.has(label),
        [...specs].map(([key, count]) => `${key}:${count}`),
      ),
    ),
  );
  const busy = new Map(listeners.map((l) => [l.label, l.busy]));
  const listenerFailures = new Map(listeners.filter((l) => l.failure).map((l) => [l.label, l.failure!]));

  const bySource = new Map<string, { host: HostConfig; specs: Set<string> }>();
  for (const path of paths) {
    const target = path.toHost ? hostLabel(path.toHost) : undefined;
    if (target && listenerFailures.has(target)) continue;
    const mode = probeMode(path, busy, listenOn);
    if (mode === 'skip') continue;
    const label = hostLabel(path.from);
    const entry = bySource.get(label) ?? { host: path.from, specs: new Set<string>() };
    entry.specs.add(probeSpec(path, mode));
    bySource.set(label, entry);
  }
  const probes = new Map(
    await Promise.all(
      [...bySource].map(async ([label, { host, specs }]) => {
        const remote = await connect(host);
        const result = await remote.runOrFail(
          { argv: shellScript(RUN_PYTHON, PROBE_PY, token, label, String(CONNECT_SECONDS), ...specs) },
          'probing the network paths',
        );
        let parsed;
        try {
          parsed = parseProbeResults(result.stdout);
        } catch (error) {
          throw new StepFailure(
            `${label}: the network probe printed something unexpected: ${(error as Error).message}`,
          );
        }
        return [label, new Map(parsed.map((r) => [r.spec, r]))] as const;
      }),
    ),
  );
  const received = new Map<string, readonly string[]>();
  for (const listener of listeners.filter((l) => !l.failure)) {
    const result = await listener.done;
    try {
      received.set(listener.label, parseListenerReport(result.stdout).received);
    } catch {
      listenerFailures.set(
        listener.label,
        `the listener exited ${result.code}: ${tail(result.stderr || result.stdout, 2)}`,
      );
    }
  }
  const seen: PathObservations = { listenerFailures, busy, received, probes };
  return pathProblems(paths, seen, listenOn);
}

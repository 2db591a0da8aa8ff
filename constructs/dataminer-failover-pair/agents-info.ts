/**
 * After the switch, the DMS's own view of the pair: Web Services v1 (JSON interface,
 * `/API/v1/Json.asmx/<Method>`) ConnectApp, then GetDataMinerAgentsInfo, whose DMAInfo entries give
 * each agent's PrimaryIP, Status ("Disconnected", "Running", "Starting", "Unknown", "Switching")
 * and IsFailOver. Spoken to from the agent itself, through its SSH connection: the Web Services
 * take JSON from the local machine, and the password travels only inside that connection.
 */
import { StepFailure } from '../../src/errors';
import { secretFromEnv } from '../../src/runner/credentials';
import type { RemoteHost } from '../../src/runner/remote-host';
import { httpRequestThrough } from '../../src/runner/tunnel';
import type { WebServicesCredentials } from './actions';

export interface DmaInfo {
  readonly id?: number;
  readonly name?: string;
  readonly primaryIp: string;
  readonly status: string;
  readonly isFailOver: boolean;
}

/**
 * An ASMX JSON answer: `{"d": value}` (how ASP.NET script services wrap a result), or the bare
 * value; the vendor's pages show the fields, not the wrapping, so both are read.
 */
export function unwrapJsonAnswer(body: string): unknown {
  const value: unknown = JSON.parse(body);
  return value !== null && typeof value === 'object' && !Array.isArray(value) && 'd' in value
    ? (value as { d: unknown }).d
    : value;
}

/** GetDataMinerAgentsInfoResult: an array of DMAInfo. */
export function parseAgentsInfo(body: string): DmaInfo[] {
  const value = unwrapJsonAnswer(body);
  const list =
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    'GetDataMinerAgentsInfoResult' in value
      ? (value as { GetDataMinerAgentsInfoResult: unknown }).GetDataMinerAgentsInfoResult
      : value;
  if (!Array.isArray(list)) throw new Error('GetDataMinerAgentsInfo did not answer a list of DMAInfo');
  return list.map((entry: Record<string, unknown>) => ({
    ...(typeof entry.ID === 'number' ? { id: entry.ID } : {}),
    ...(typeof entry.Name === 'string' ? { name: entry.Name } : {}),
    primaryIp: String(entry.PrimaryIP ?? ''),
    status: String(entry.Status ?? ''),
    isFailOver: entry.IsFailOver === true || String(entry.IsFailOver).toLowerCase() === 'true',
  }));
}

/**
 * What GetDataMinerAgentsInfo must show of a pair that is on: the pair's agents (by their primary
 * IPs or the virtual IPs) all IsFailOver, exactly one Running.
 */
export function agentsInfoProblems(
  entries: readonly DmaInfo[],
  agents: readonly { label: string; address: string }[],
  virtualIps: readonly string[],
): string[] {
  const addresses = new Set([...agents.map((a) => a.address), ...virtualIps]);
  const pair = entries.filter((e) => addresses.has(e.primaryIp));
  const shown = (e: DmaInfo) => `${e.name ?? e.primaryIp} (${e.primaryIp}, ${e.status})`;
  if (pair.length === 0)
    return [
      `GetDataMinerAgentsInfo lists no agent at ${[...addresses].join(', ')}: it lists ${entries.map(shown).join('; ') || 'nothing'}`,
    ];
  const problems: string[] = [];
  const notFailover = pair.filter((e) => !e.isFailOver);
  if (notFailover.length > 0)
    problems.push(`GetDataMinerAgentsInfo shows ${notFailover.map(shown).join('; ')} with IsFailOver false`);
  const running = pair.filter((e) => e.status === 'Running');
  if (running.length !== 1)
    problems.push(
      `GetDataMinerAgentsInfo shows ${running.length === 0 ? 'no agent of the pair Running' : 'both agents of the pair Running'}: ${pair.map(shown).join('; ')}`,
    );
  return problems;
}

const CLIENT_APP = 'cdktf-failover';

/** ConnectApp then GetDataMinerAgentsInfo on `host`'s own Web Services. */
export async function readAgentsInfo(
  host: RemoteHost,
  address: string,
  https: boolean,
  credentials: WebServicesCredentials,
): Promise<DmaInfo[]> {
  const password = secretFromEnv(credentials.passwordEnv, 'the DataMiner Web Services password');
  const call = async (method: string, fields: Record<string, string>) => {
    const answer = await httpRequestThrough(host, {
      address,
      port: https ? 443 : 80,
      path: `/API/v1/Json.asmx/${method}`,
      method: 'POST',
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
      body: JSON.stringify(fields),
      tls: https,
    });
    if (answer.status !== 200)
      throw new StepFailure(
        `${host.label}: the Web Services answered ${method} with HTTP ${answer.status}: ${webServicesError(answer.body)}`,
      );
    return answer.body;
  };
  const connection = unwrapJsonAnswer(
    await call('ConnectApp', {
      host: '',
      login: credentials.login,
      password,
      clientAppName: CLIENT_APP,
      clientAppVersion: '',
      clientComputerName: '',
    }),
  );
  if (typeof connection !== 'string' || connection === '')
    throw new StepFailure(`${host.label}: the Web Services' ConnectApp answered no connection ID`);
  return parseAgentsInfo(await call('GetDataMinerAgentsInfo', { connection }));
}

/** The `Message` of an ASMX error answer, else its first 200 characters. */
function webServicesError(body: string): string {
  try {
    const value = JSON.parse(body) as { Message?: unknown };
    if (typeof value.Message === 'string') return value.Message;
  } catch {
    // not JSON: shown as it is
  }
  return body.slice(0, 200);
}

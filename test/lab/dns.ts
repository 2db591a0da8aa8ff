/**
 * The lab's DNS server: dnsmasq on the bridge address, the nameserver in every host's resolv.conf.
 * It answers for the lab hosts' names and for records tests add, and for nothing else (no upstream:
 * an unknown name is NXDOMAIN at once, never a query leaving the lab).
 */
import { spawnSync } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isAlive, terminate } from './processes';
import { assertLabAddress, GATEWAY } from './network';

const files = (baseDir: string) => ({
  dir: path.join(baseDir, 'dns'),
  labHosts: path.join(baseDir, 'dns', 'lab-hosts'),
  records: path.join(baseDir, 'dns', 'records.json'),
  recordsHosts: path.join(baseDir, 'dns', 'records'),
  pid: path.join(baseDir, 'run', 'dnsmasq.pid'),
  log: path.join(baseDir, 'run', 'dnsmasq.log'),
});

export interface DnsRecord {
  readonly name: string;
  readonly address: string;
}

function assertDnsName(name: string): void {
  if (
    !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(name)
  )
    throw new Error(`Not a DNS name: ${JSON.stringify(name)}`);
}

function hostsFile(records: readonly DnsRecord[]): string {
  return records.map((r) => `${r.address} ${r.name}\n`).join('');
}

export function dnsPid(baseDir: string): number | undefined {
  const pid = Number(readOr(files(baseDir).pid, ''));
  return pid && isAlive(pid) ? pid : undefined;
}

/** Starts dnsmasq with the lab hosts' names and no extra records. */
export function startDns(baseDir: string, labHosts: readonly DnsRecord[]): void {
  stopDns(baseDir);
  const f = files(baseDir);
  fs.mkdirSync(f.dir, { recursive: true, mode: 0o755 });
  fs.writeFileSync(f.labHosts, hostsFile(labHosts), { mode: 0o644 });
  writeRecords(baseDir, []);
  fs.writeFileSync(f.log, '');
  const r = spawnSync(
    'dnsmasq',
    [
      '--conf-file=/dev/null',
      `--pid-file=${f.pid}`,
      `--log-facility=${f.log}`,
      `--listen-address=${GATEWAY}`,
      '--bind-interfaces',
      '--port=53',
      // Only what the lab knows: no /etc/hosts or resolv.conf of this machine, no upstream server.
      '--no-hosts',
      '--no-resolv',
      '--no-poll',
      '--local=/#/',
      `--addn-hosts=${f.labHosts}`,
      `--addn-hosts=${f.recordsHosts}`,
      // Records change under tests: never answer from a stale cache.
      '--cache-size=0',
      '--no-negcache',
      '--user=nobody',
      '--group=nogroup',
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`dnsmasq did not start: ${r.stderr || r.error}\n${readOr(f.log, '')}`);
}

export function stopDns(baseDir: string): void {
  const pid = dnsPid(baseDir);
  if (pid) terminate([pid]);
  fs.rmSync(files(baseDir).pid, { force: true });
}

export function readRecords(baseDir: string): DnsRecord[] {
  try {
    return JSON.parse(fs.readFileSync(files(baseDir).records, 'utf8')) as DnsRecord[];
  } catch {
    return [];
  }
}

function writeRecords(baseDir: string, records: readonly DnsRecord[]): void {
  const f = files(baseDir);
  fs.writeFileSync(f.records, JSON.stringify(records));
  fs.writeFileSync(f.recordsHosts, hostsFile(records), { mode: 0o644 });
}

/** Makes `name` resolve to exactly `addresses` (one A record each), from every host; returns once it does. */
export async function setDnsRecord(
  baseDir: string,
  name: string,
  addresses: readonly string[],
): Promise<void> {
  assertDnsName(name);
  for (const a of addresses) assertLabAddress(a);
  const others = readRecords(baseDir).filter((r) => r.name !== name);
  writeRecords(baseDir, [...others, ...addresses.map((address) => ({ name, address }))]);
  await reload(baseDir, name, addresses);
}

export async function removeDnsRecord(baseDir: string, name: string): Promise<void> {
  writeRecords(
    baseDir,
    readRecords(baseDir).filter((r) => r.name !== name),
  );
  await reload(baseDir, name, []);
}

export async function clearDnsRecords(baseDir: string): Promise<void> {
  const names = [...new Set(readRecords(baseDir).map((r) => r.name))];
  writeRecords(baseDir, []);
  for (const name of names) await reload(baseDir, name, []);
}

/** SIGHUP re-reads the hosts files; wait (bounded) until the server answers with the new set. */
async function reload(baseDir: string, name: string, expected: readonly string[]): Promise<void> {
  const pid = dnsPid(baseDir);
  if (!pid) throw new Error('The lab DNS server is not running: start the lab first.');
  process.kill(pid, 'SIGHUP');
  const resolver = new Resolver({ timeout: 500, tries: 1 });
  resolver.setServers([GATEWAY]);
  const want = [...expected].sort().join(',');
  let seen = '';
  for (let attempt = 0; attempt < 40; attempt++) {
    seen = await resolver.resolve4(name).then(
      (a) => [...a].sort().join(','),
      () => '',
    );
    if (seen === want) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`The lab DNS server still answers ${name} with [${seen}], expected [${want}]`);
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return fallback;
  }
}

/**
 * Puts an emulated Cassandra node on a lab host: the emulator under the names the library calls
 * (nodetool, systemctl) plus its port listener, a cassandra.yaml, a release, and the node's
 * entry in the shared cluster view.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setYamlValues } from '../../../../src/edit/yaml';
import { hostPath, installEmulator, LabHost, runOnHost } from '../../lab';

const EMULATOR = fs.readFileSync(path.join(__dirname, 'cassandra-lab.py'), 'utf8');
export const DEFAULT_CASSANDRA_YAML = fs.readFileSync(path.join(__dirname, 'cassandra.yaml'), 'utf8');
export const CASSANDRA_YAML = '/etc/cassandra/cassandra.yaml';

export interface EmulatedNodeOptions {
  /** @default "Lab Cluster" */
  readonly clusterName?: string;
  /** @default the node's own address */
  readonly seeds?: readonly string[];
  /** @default the node's own address */
  readonly listenAddress?: string;
  /** @default "3.11.4" */
  readonly releaseVersion?: string;
  /** Start the service once set up. @default true */
  readonly running?: boolean;
}

function ok(host: string, command: string): string {
  const r = runOnHost(host, command);
  if (r.code !== 0) throw new Error(`${host}: "${command}" exited ${r.code}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** A node as a site has it before the construct runs: standalone, own address, its own seed. */
export function installCassandraNode(host: LabHost, options: EmulatedNodeOptions = {}): void {
  for (const name of ['nodetool', 'systemctl', 'cassandra-lab-listener'])
    installEmulator(host.name, name, EMULATOR);
  const listen = options.listenAddress ?? host.address;
  const yaml = setYamlValues(DEFAULT_CASSANDRA_YAML, [
    { key: 'cluster_name', value: options.clusterName ?? 'Lab Cluster' },
    { key: 'seed_provider[0].parameters[0].seeds', value: (options.seeds ?? [host.address]).join(',') },
    { key: 'listen_address', value: listen },
    { key: 'rpc_address', value: listen },
  ]);
  fs.mkdirSync(hostPath(host.name, '/etc/cassandra'), { recursive: true });
  fs.writeFileSync(hostPath(host.name, CASSANDRA_YAML), yaml);
  fs.mkdirSync(hostPath(host.name, '/var/lib/cassandra-lab'), { recursive: true });
  fs.mkdirSync(hostPath(host.name, '/var/lib/cassandra'), { recursive: true });
  fs.writeFileSync(hostPath(host.name, '/var/lib/cassandra-lab/installed'), '');
  fs.writeFileSync(
    hostPath(host.name, '/var/lib/cassandra-lab/release-version'),
    `${options.releaseVersion ?? '3.11.4'}\n`,
  );
  const registry = hostPath(host.name, '/lab/shared/cassandra/nodes');
  fs.mkdirSync(registry, { recursive: true });
  fs.writeFileSync(
    path.join(registry, `${host.name}.json`),
    JSON.stringify({ host: host.name, address: host.address }),
  );
  if (options.running ?? true) ok(host.name, 'systemctl start cassandra');
}

/** Removes this host's entry and knobs from the shared cluster view (other hosts' entries stay). */
export function forgetCassandraNode(host: LabHost): void {
  const shared = hostPath(host.name, '/lab/shared/cassandra');
  fs.rmSync(path.join(shared, 'nodes', `${host.name}.json`), { force: true });
  fs.rmSync(path.join(shared, 'state', `${host.name}.json`), { force: true });
  fs.rmSync(path.join(shared, `fail-start-${host.address}`), { force: true });
}

/** Knob: from the next start on, the node stays Joining (UJ) and never shows UN. */
export function setFailStart(host: LabHost, failing: boolean): void {
  const knob = hostPath(host.name, `/lab/shared/cassandra/fail-start-${host.address}`);
  if (failing) fs.writeFileSync(knob, '');
  else fs.rmSync(knob, { force: true });
}

export interface EmulatedNodeState {
  readonly running: boolean;
  readonly pid?: number;
  readonly cluster_name: string;
  readonly seeds: string[];
  readonly listen: string;
  readonly started?: string;
}

/** The emulated process's state: what it started with, and whether it runs. */
export function nodeState(host: LabHost): EmulatedNodeState {
  return JSON.parse(
    fs.readFileSync(hostPath(host.name, '/var/lib/cassandra-lab/state.json'), 'utf8'),
  ) as EmulatedNodeState;
}

export function nodetoolOn(host: LabHost, command: 'status' | 'describecluster' | 'version'): string {
  return ok(host.name, `nodetool ${command}`);
}

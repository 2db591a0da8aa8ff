/**
 * Builds a stack's Topology from its step specs (as stack-specs.ts reads them out of cdk.tf.json).
 * Pure: no file, no network.
 */
import type { Action } from '../actions';
import { StepFailure } from '../errors';
import { hostLabel, type HostConfig } from '../schema/host';
import type { StepSpec } from '../step';
import type { StackStep } from '../runner/stack-specs';
import type {
  NetworkPath,
  PathProtocol,
  SharedAddress,
  StepEntry,
  Topology,
  TopologyHost,
  TopologyReaders,
  TopologyRecorder,
} from './topology';

interface MutableHost {
  key: string;
  label: string;
  address: string;
  roles: string[];
  external: boolean;
}

interface MutablePath extends Omit<NetworkPath, 'checkedBy'> {
  checkedBy: string[];
}

/** Collects hosts, paths and shared addresses, merging what several actions say of the same thing. */
class TopologyCollector {
  readonly hosts = new Map<string, MutableHost>();
  readonly paths = new Map<string, MutablePath>();
  readonly shared = new Map<string, { address: string; kind: SharedAddress['kind']; candidates: string[] }>();

  host(host: HostConfig, role?: string): string {
    const key = host.address;
    const known = this.hosts.get(key);
    if (!known)
      this.hosts.set(key, { key, label: hostLabel(host), address: host.address, roles: [], external: false });
    else if (known.external) {
      known.external = false;
      known.label = hostLabel(host);
    }
    this.addRole(key, role);
    return key;
  }

  address(address: string, role?: string): string {
    if (!this.hosts.has(address))
      this.hosts.set(address, { key: address, label: address, address, roles: [], external: true });
    this.addRole(address, role);
    return address;
  }

  addRole(key: string, role: string | undefined): void {
    const host = this.hosts.get(key);
    if (!host) throw new Error(`no host was recorded under "${key}"`);
    if (role && !host.roles.includes(role)) host.roles.push(role);
  }

  path(
    step: string,
    from: string,
    to: string,
    protocol: PathProtocol,
    ports: readonly number[],
    purpose: string,
  ): void {
    const key = JSON.stringify([from, to, protocol, ports, purpose]);
    const known = this.paths.get(key);
    if (!known) this.paths.set(key, { from, to, protocol, ports: [...ports], purpose, checkedBy: [step] });
    else if (!known.checkedBy.includes(step)) known.checkedBy.push(step);
  }

  sharedAddress(address: string, kind: SharedAddress['kind'], candidates: readonly string[]): void {
    const known = this.shared.get(address);
    if (!known) this.shared.set(address, { address, kind, candidates: [...candidates] });
    else for (const c of candidates) if (!known.candidates.includes(c)) known.candidates.push(c);
  }
}

function parseSpec(step: StackStep): StepSpec {
  try {
    const spec = JSON.parse(step.spec!) as StepSpec;
    if (typeof spec.id !== 'string' || typeof spec.host?.address !== 'string' || !Array.isArray(spec.actions))
      throw new Error('it has no id, host or actions');
    return spec;
  } catch (error) {
    throw new StepFailure(
      `the step spec of ${step.resource} cannot be read (${(error as Error).message}): synthesize the stack again with this version of cdktf-failover`,
    );
  }
}

/** The stack's topology, from its steps in stack order. */
export function topologyOfStack(steps: readonly StackStep[], readers: TopologyReaders): Topology {
  const collector = new TopologyCollector();
  const entries: StepEntry[] = [];
  for (const step of steps) {
    if (step.spec === undefined) {
      entries.push({
        key: step.resource,
        id: step.resource,
        description: '',
        involves: [],
        destroyTime: step.destroyTime,
      });
      continue;
    }
    const spec = parseSpec(step);
    const stepHost = collector.host(spec.host);
    const involves = [stepHost];
    const involve = (key: string) => {
      if (!involves.includes(key)) involves.push(key);
      return key;
    };
    const recorder: TopologyRecorder = {
      stepHost,
      host: (host, role) => involve(collector.host(host, role)),
      role: (key, role) => collector.addRole(involve(key), role),
      address: (address, role) => involve(collector.address(address, role)),
      path: (from, to, protocol, ports, purpose) =>
        collector.path(step.resource, from, to, protocol, ports, purpose),
      sharedAddress: (address, kind, candidates) => collector.sharedAddress(address, kind, candidates),
      nested: (action) => read(action),
    };
    const read = (action: Action) => {
      const reader = readers.readerFor(action.kind);
      if (!reader) return;
      try {
        reader(action, recorder);
      } catch (error) {
        throw new StepFailure(
          `the action "${action.kind}" of ${step.resource} cannot be read (${(error as Error).message}): synthesize the stack again with this version of cdktf-failover`,
        );
      }
    };
    for (const action of spec.actions) read(action);
    entries.push({
      key: step.resource,
      id: spec.id,
      description: spec.description,
      host: stepHost,
      involves,
      destroyTime: step.destroyTime,
    });
  }
  // Hosts the stack logs in to by name, then the addresses they reach: the same order every time.
  const byLabel = new Intl.Collator('en', { numeric: true });
  const hosts: TopologyHost[] = [...collector.hosts.values()]
    .map((h) => ({ ...h, roles: [...h.roles] }))
    .sort((a, b) => Number(a.external) - Number(b.external) || byLabel.compare(a.label, b.label));
  return {
    hosts,
    paths: [...collector.paths.values()],
    sharedAddresses: [...collector.shared.values()],
    steps: entries,
  };
}

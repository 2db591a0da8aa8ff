/**
 * The topology of a synthesized stack, as data: the hosts with their roles, the network paths the
 * constructs check, the addresses a pair shares, and the steps. Built from the step specs alone
 * (stack-topology.ts); what each action kind says about hosts and paths is told by its construct
 * through a TopologyReader, so the core never needs to know a construct.
 */
import type { Action } from '../actions';
import type { HostConfig } from '../schema/host';

export interface TopologyHost {
  /** Unique in the topology: the address the host is reached at. */
  readonly key: string;
  /** Its name, or its address when it has none. */
  readonly label: string;
  readonly address: string;
  /** What the constructs make of it, in their words, in the order they said it. */
  readonly roles: readonly string[];
  /** Known only as an address other hosts reach (a database no step logs in to). */
  readonly external: boolean;
}

export type PathProtocol = 'tcp' | 'udp' | 'nfs';

/** A path from one host to another that a construct checks: any one of `ports` answering is enough. */
export interface NetworkPath {
  readonly from: string;
  readonly to: string;
  readonly protocol: PathProtocol;
  /** Empty for an NFS mount, whose check is the mount itself. */
  readonly ports: readonly number[];
  /** Why the path is needed, in the construct's words. */
  readonly purpose: string;
  /** The steps whose actions check it (StepEntry.key). */
  readonly checkedBy: readonly string[];
}

/** An address the agents of a pair share: the online agent holds it. */
export interface SharedAddress {
  readonly address: string;
  readonly kind: 'virtual IP' | 'shared hostname';
  /** The hosts that may hold it. */
  readonly candidates: readonly string[];
}

export interface StepEntry {
  /** The Terraform resource address. */
  readonly key: string;
  readonly id: string;
  readonly description: string;
  /** The host the step runs on (TopologyHost.key); undefined when its spec holds apply-time values. */
  readonly host?: string;
  /** Every host the step's actions touch or check, its own host first. */
  readonly involves: readonly string[];
  readonly destroyTime: boolean;
}

export interface Topology {
  readonly hosts: readonly TopologyHost[];
  readonly paths: readonly NetworkPath[];
  readonly sharedAddresses: readonly SharedAddress[];
  readonly steps: readonly StepEntry[];
}

/** What a reader may tell about the step whose action it reads. */
export interface TopologyRecorder {
  /** The key of the host the step runs on. */
  readonly stepHost: string;
  /** A host of the construct (it logs in to it): adds it, with a role when given; returns its key. */
  host(host: HostConfig, role?: string): string;
  /** Adds a role to a host already recorded (the step's own host, say). */
  role(key: string, role: string): void;
  /** A host known only by the address others reach it at; returns its key. */
  address(address: string, role?: string): string;
  /** A path the action checks, between two keys. */
  path(from: string, to: string, protocol: PathProtocol, ports: readonly number[], purpose: string): void;
  sharedAddress(address: string, kind: SharedAddress['kind'], candidates: readonly string[]): void;
  /** An action embedded in this one (a part's preflight), read by its own kind's reader. */
  nested(action: Action): void;
}

/** Tells what one action kind says about the topology. Pure: reads the action, calls the recorder. */
export type TopologyReader<A extends Action = Action> = (action: A, record: TopologyRecorder) => void;

/** One reader per kind of the union `A`, each typed with its own action. */
export type TopologyReaderMap<A extends Action> = {
  readonly [K in A['kind']]?: TopologyReader<Extract<A, { readonly kind: K }>>;
};

/** Which reader reads which action kind; kinds without one add only their step's host. */
export class TopologyReaders {
  private readonly byKind = new Map<string, TopologyReader<never>>();

  add<A extends Action>(owner: string, readers: TopologyReaderMap<A>): this {
    for (const [kind, reader] of Object.entries(readers)) {
      if (this.byKind.has(kind))
        throw new Error(`${owner}: the action kind "${kind}" already has a topology reader`);
      this.byKind.set(kind, reader as TopologyReader<never>);
    }
    return this;
  }

  readerFor(kind: string): TopologyReader | undefined {
    return this.byKind.get(kind) as TopologyReader | undefined;
  }
}

/** The host state (ActionResult.hostStates) of the agent that holds a pair's virtual IPs. */
export const HOLDS_VIRTUAL_IPS = 'holds the virtual IPs';

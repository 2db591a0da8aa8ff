/**
 * The stacks `npm run demo` deploys, as builders: the demo synthesizes them against the running
 * lab, and the summary tests synthesize the same stacks against a lab inventory that need not run.
 */
import type { TerraformStack } from '../src/cdktf';
import { DataMinerFailoverPair, DataMinerSystem } from '../index';
import type { LabHost, LabInventory } from '../test/lab/lab';
import { labHostProps } from '../test/support/lab-hosts';
import { addNetOpsLab, labHost, NETOPS_LAB_ROLES, netOpsLabProps } from './fault-tolerant-aggregator-lab';
import { addLabDemo } from './lab-demo-stack';

/** One demo stack: its folder name under cdktf.out/stacks and how it is built from the lab. */
export interface DemoStack {
  readonly name: 'lab-demo' | 'netops-demo' | 'dataminer-demo';
  /** Adds the stack's constructs; returns the runbook the stack hands over, if any. */
  readonly build: (stack: TerraformStack, lab: LabInventory) => string | undefined;
}

function hostNamed(lab: LabInventory, name: string): LabHost {
  const host = lab.hosts.find((h) => h.name === name);
  if (!host)
    throw new Error(
      `the lab has no host ${name} (it has ${lab.hosts.map((h) => h.name).join(', ')}); start it with the default hosts: npm run lab -- start`,
    );
  return host;
}

/** Generic steps on lab-a and lab-b: a file, INI keys, a line, a guarded command. */
export const LAB_DEMO: DemoStack = {
  name: 'lab-demo',
  build: (stack, lab) => {
    addLabDemo(stack, [hostNamed(lab, 'lab-a'), hostNamed(lab, 'lab-b')], lab.clientKeyPath);
    return undefined;
  },
};

/** The DX NetOps fault-tolerant aggregator procedure on seven lab hosts, with a timed drill. */
export const NETOPS_DEMO: DemoStack = {
  name: 'netops-demo',
  build: (stack, lab) => {
    const repository = hostNamed(lab, NETOPS_LAB_ROLES.repository);
    addNetOpsLab(stack, netOpsLabProps(labHost(lab), repository.address, { drill: true }));
    return undefined;
  },
};

/** A DataMiner Failover pair on two emulated Windows agents: lab-a primary, lab-b backup, one virtual IP. */
export const DATAMINER_DEMO: DemoStack = {
  name: 'dataminer-demo',
  build: (stack, lab) => {
    const agent = (name: string) => ({
      host: labHostProps(lab, hostNamed(lab, name), { os: 'windows' }),
    });
    const dms = new DataMinerSystem(stack, 'Dms', { version: '10.3.0 [CU9]' });
    return new DataMinerFailoverPair(stack, 'Pair', {
      system: dms,
      primary: agent('lab-a'),
      backup: agent('lab-b'),
      virtualIps: ['198.18.0.50'],
      storage: { type: 'storage-as-a-service' },
    }).runbook;
  },
};

export const DEMO_STACKS: readonly DemoStack[] = [LAB_DEMO, NETOPS_DEMO, DATAMINER_DEMO];

import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { App, TerraformStack, Testing } from '../../src/cdktf';
import {
  DataMinerFailoverPair,
  DataMinerFailoverPairProps,
  DataMinerSystem,
  SshCredentials,
  ValidationError,
} from '../../index';
import { addDataMinerPairs } from '../../examples/dataminer-failover-example';
import { synthStack } from '../support/terraform';
import { infosUnder, warningsUnder } from '../support/warnings';

const KEY = `SHA256:${'k'.repeat(43)}`;
const agent = (name: string, address: string, extra: object = {}) => ({
  host: {
    name,
    address,
    os: 'windows' as const,
    user: 'svc',
    hostKeySha256: KEY,
    credentials: SshCredentials.privateKeyEnv('K'),
    ...extra,
  },
});
const pairProps = (
  n: number,
  extra: Partial<DataMinerFailoverPairProps> = {},
): DataMinerFailoverPairProps => ({
  primary: agent(`p${n}`, `10.0.${n}.11`),
  backup: agent(`b${n}`, `10.0.${n}.12`),
  virtualIps: [`10.0.${n}.50`],
  storage: { type: 'cassandra-per-agent' },
  ...extra,
});

function synthError(build: (stack: TerraformStack) => void): ValidationError {
  const stack = new TerraformStack(Testing.app(), 'dms');
  build(stack);
  try {
    Testing.synth(stack);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('the synth did not fail');
}

describe('DataMinerSystem rules at synth', () => {
  it('reports every problem of every pair in one synth: mixing (strict reading), a hostname too old, bad props', () => {
    const error = synthError((stack) => {
      const dms = new DataMinerSystem(stack, 'Dms', { version: '10.3.0' });
      new DataMinerFailoverPair(stack, 'A', { system: dms, ...pairProps(1) });
      new DataMinerFailoverPair(stack, 'B', {
        system: dms,
        ...pairProps(2, { virtualIps: undefined, sharedHostname: 'b.example.com' }),
      });
      new DataMinerFailoverPair(stack, 'C', { system: dms, ...pairProps(3, { virtualIps: ['10.0.3.11'] }) });
      const old = new DataMinerSystem(stack, 'Old', { version: '10.1.0 [CU5]' });
      new DataMinerFailoverPair(stack, 'D', {
        system: old,
        ...pairProps(4, { virtualIps: undefined, sharedHostname: 'd.example.com' }),
      });
    });
    expect(
      error.problems.map((p) => `${p.constructPath} ${p.propertyPath}: ${p.expected.slice(0, 60)}`),
    ).toEqual([
      expect.stringMatching(/^dms\/C virtualIps\[0\]: 10\.0\.3\.11 is the primary agent's own address/),
      expect.stringMatching(
        /^dms\/B sharedHostname: \[DMS-MIXED-ADDRESSING\] this DMS already has a pair by virtua/,
      ),
      expect.stringMatching(
        /^dms\/D sharedHostname: \[DMS-SHARED-HOSTNAME-VERSION\] a shared hostname needs/,
      ),
    ]);
    expect(error.message).toContain('10.3.0 does not say its cumulative update: read as CU9 or later');
  });

  it('only advises before the gate, and an acknowledgement turns the warning into a note', () => {
    const stack = new TerraformStack(Testing.app(), 'advice');
    const dms = new DataMinerSystem(stack, 'Dms', { version: '10.3.0 [CU8]' });
    new DataMinerFailoverPair(stack, 'A', { system: dms, ...pairProps(1) });
    new DataMinerFailoverPair(stack, 'B', {
      system: dms,
      ...pairProps(2, { virtualIps: undefined, sharedHostname: 'b.example.com' }),
    });
    Testing.synth(stack);
    expect(warningsUnder(stack).join('\n')).toMatch(
      /\[DMS-MIXED-ADDRESSING\].*acknowledge \{ id: "DMS-MIXED-ADDRESSING", reason \}/,
    );

    const acked = new TerraformStack(Testing.app(), 'acked');
    const dms2 = new DataMinerSystem(acked, 'Dms', {
      version: '10.3.0 [CU8]',
      acknowledge: [{ id: 'DMS-MIXED-ADDRESSING', reason: 'the hostname pair moves to VIPs next month' }],
    });
    new DataMinerFailoverPair(acked, 'A', { system: dms2, ...pairProps(1) });
    new DataMinerFailoverPair(acked, 'B', {
      system: dms2,
      ...pairProps(2, { virtualIps: undefined, sharedHostname: 'b.example.com' }),
    });
    Testing.synth(acked);
    expect(warningsUnder(acked).join('\n')).not.toContain('DMS-MIXED-ADDRESSING');
  });

  it('refuses per-agent indexing without its acknowledgement, notes it with it (one acknowledgement), and names an unknown acknowledgement', () => {
    const error = synthError((stack) => {
      const dms = new DataMinerSystem(stack, 'Dms', {
        version: '10.3.0 [CU9]',
        acknowledge: [{ id: 'DMS-NO-SUCH-RULE', reason: 'a reason long enough' }],
      });
      new DataMinerFailoverPair(stack, 'A', {
        system: dms,
        ...pairProps(1, { storage: { type: 'cassandra-per-agent', indexing: true } }),
      });
    });
    expect(error.problems.map((p) => `${p.constructPath} ${p.propertyPath}`)).toEqual([
      'dms/Dms acknowledge',
      'dms/A storage.indexing',
    ]);
    expect(error.problems[1].expected).toMatch(
      /^\[DMS-INDEXING-PER-AGENT\] indexing per agent is recommended against/,
    );
    const stack = new TerraformStack(Testing.app(), 'ok');
    new DataMinerFailoverPair(stack, 'A', {
      version: '10.3.0 [CU9]',
      ...pairProps(1, {
        storage: { type: 'cassandra-per-agent', indexing: true, acknowledgeIndexingNotRecommended: true },
      }),
    });
    Testing.synth(stack);
    // The pair's acknowledgement is the rule's only one: no warning asks for a second on a DataMinerSystem.
    expect(warningsUnder(stack).join('\n')).not.toContain('DMS-INDEXING-PER-AGENT');
    expect(infosUnder(stack)).toContain(
      '[DMS-INDEXING-PER-AGENT] indexing per agent is recommended against for Failover: if one node goes down, all indexed data can be unavailable (acknowledged: storage.acknowledgeIndexingNotRecommended on the pair)',
    );
  });
});

describe('the example', () => {
  process.env.DMS_DB_PASSWORD = 'Very-secret-DB-pw';
  it('writes the runbook into the stack folder, holds no secret, and validates with terraform', () => {
    const dir = synthStack((stack) => addDataMinerPairs(stack), { engine: 'terraform_data' });
    const json = fs.readFileSync(path.join(dir, 'cdk.tf.json'), 'utf8');
    expect(json).not.toContain('Very-secret-DB-pw');
    expect(json).toContain('DMS_DB_PASSWORD');
    const runbooks = execFileSync('find', [dir, '-name', 'failover-runbook.md'], { encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(runbooks).toHaveLength(2);
    const text = runbooks.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
    expect(text).toContain('first interface (corporate: heartbeats, synchronization): **10.0.2.50**');
    expect(text).toContain('second interface (acquisition): **10.0.3.50**');
    expect(text).toContain('dma1 → dma1b');
    execFileSync('terraform', ['init', '-backend=false', '-input=false'], { cwd: dir, stdio: 'pipe' });
    expect(execFileSync('terraform', ['validate', '-no-color'], { cwd: dir, encoding: 'utf8' })).toContain(
      'Success',
    );
  });

  it('exposes the runbook: hostname pairs with both IPs and ARR, NATSRepair from 10.6', () => {
    const stack = new TerraformStack(new App(), 'rb');
    const pair = new DataMinerFailoverPair(stack, 'Pair', {
      version: '10.6.0',
      ...pairProps(1, { virtualIps: undefined, sharedHostname: 'dms-pair.example.com' }),
    });
    expect(pair.runbook).toContain(
      'shared hostname** and enter **dms-pair.example.com** (it resolves to 10.0.1.11 and 10.0.1.12). IIS Application Request Routing',
    );
    expect(pair.runbook).toContain(
      '6. NATS: on 10.6.0 the agents run BrokerGateway, so run `C:\\Skyline DataMiner\\Tools\\NATSRepair.exe` on one agent, elevated.',
    );
    expect(pair.runbook).toContain('asks y/n');
    expect(pair.runbook).toContain('refuses when NATS is configured manually');
    expect(pair.runbook).toContain('may remove it');
    expect(pair.steps.map((s) => s.id)).toEqual(['preflight', 'backup', 'verify']);
  });

  it("the runbook uses the agents' install folder, and names NATSRepair before 10.6 only for migrated agents", () => {
    const stack = new TerraformStack(new App(), 'rb2');
    const props = pairProps(1);
    const pair = new DataMinerFailoverPair(stack, 'Pair', {
      ...props,
      version: '10.4.0 [CU7]',
      primary: { ...props.primary, installDir: 'D:\\DataMiner' },
    });
    expect(pair.runbook).toContain(
      '6. NATS: only if the agents were migrated to BrokerGateway (`MaintenanceSettings.xml` has `<SLNet><BrokerGateway>true</BrokerGateway></SLNet>`; the preflight says so), run `D:\\DataMiner\\Tools\\NATSRepair.exe`',
    );
    expect(pair.runbook).toContain('`D:\\DataMiner\\Logging\\SLFailover.txt`');
    expect(pair.runbook).not.toContain('C:\\Skyline DataMiner');
  });
});

describe('per-agent Cassandra on agents addressed by DNS name', () => {
  it('is one ValidationError on the agent whose address is a name, never a raw ZodError', () => {
    const error = synthError((stack) => {
      new DataMinerFailoverPair(stack, 'A', {
        ...pairProps(1),
        version: '10.3.0 [CU9]',
        primary: agent('p1', 'dma-p1.example.test'),
      });
    });
    expect(error.problems.map((p) => `${p.constructPath} ${p.propertyPath}: ${p.received}`)).toEqual([
      'dms/A primary.host.address: "dma-p1.example.test"',
    ]);
    expect(error.problems[0].expected).toMatch(
      /with storage "cassandra-per-agent": .*cassandra\.yaml takes an IP address there, not a DNS name/,
    );
  });

  it('is accepted with dedicated storage, where the agents need no listen address', () => {
    const stack = new TerraformStack(Testing.app(), 'dms');
    new DataMinerFailoverPair(stack, 'A', {
      ...pairProps(1),
      version: '10.3.0 [CU9]',
      primary: agent('p1', 'dma-p1.example.test'),
      storage: {
        type: 'dedicated-clustered',
        cassandraHosts: ['10.0.9.1'],
        searchHosts: ['10.0.9.2'],
        passwordEnv: 'DMS_DB_PASSWORD',
      },
    });
    expect(() => Testing.synth(stack)).not.toThrow();
  });
});

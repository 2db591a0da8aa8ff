/**
 * The DataMiner handlers against two Windows fixture hosts: facts in, every problem out at once,
 * nothing written by a step that only verifies.
 */
import { ATOMIC_WRITE_PS } from '../../src/dialect/powershell';
import { ActionRegistry } from '../../src/runner/action-registry';
import { executeStep } from '../../src/runner/execute-step';
import type { RemoteHost } from '../../src/runner/remote-host';
import type { HostConfig } from '../../src/schema/host';
import { toStepSpec } from '../../src/step';
import { PINNED_KEY } from '../../test/support/synth-hosts';
import {
  runs,
  WindowsCommand,
  windowsFixtureHost,
  WindowsMachine,
} from '../../test/support/windows-fixture-host';
import type { VerifyAction } from './actions';
import { DATAMINER_SERVICE, DATAMINER_FILES, inInstallDir } from './commands';
import { DATAMINER_FAILOVER_PAIR_HANDLERS } from './handlers';
import { planDataMinerFailoverPairSteps, VERIFY_STEP } from './plan';
import { dataMinerFailoverPairSchema, DEFAULT_INSTALL_DIR } from './props';

const registry = new ActionRegistry().add('DataMinerFailoverPair', DATAMINER_FAILOVER_PAIR_HANDLERS);
const PRIMARY = '10.0.1.11';
const BACKUP = '10.0.1.12';
const agent = (name: string, address: string) => ({
  host: {
    name,
    address,
    os: 'windows' as const,
    user: 'svc',
    hostKeySha256: PINNED_KEY,
    credentials: { kind: 'agent' as const, socketEnv: 'SSH_AUTH_SOCK' },
  },
});
const config = dataMinerFailoverPairSchema.parse({
  version: '10.3.0 [CU9]',
  primary: agent('dma-a', PRIMARY),
  backup: agent('dma-b', BACKUP),
  virtualIps: ['10.0.1.50'],
  storage: { type: 'cassandra-per-agent' },
});
const verifyStep = toStepSpec(planDataMinerFailoverPairSteps(config).find((s) => s.id === VERIFY_STEP)!);
const verifyAction = verifyStep.actions[0] as VerifyAction;

/** An installed agent: DataMiner.xml with its ID, the version history, the service, reachable by its peer. */
function installedAgent(id: number, version: string, peer: string): WindowsMachine {
  const machine = new WindowsMachine();
  const at = (relative: string) => inInstallDir(DEFAULT_INSTALL_DIR, relative);
  machine.writeFile(at(DATAMINER_FILES.dataMiner), `<DataMiner id="${id}" />`);
  machine.writeFile(at(DATAMINER_FILES.versionHistory), `10.3.0.0-12345;${version}\r\n`);
  machine.writeFile(at(DATAMINER_FILES.dms), '<DMS><Cluster name="DMS"/></DMS>');
  machine.services.set(DATAMINER_SERVICE, 'Running');
  machine.answering.add(peer);
  for (const check of verifyAction.ports) machine.answering.add(`${peer}:${check.anyOf[0]}`);
  return machine;
}

async function verify(primary: WindowsMachine, backup: WindowsMachine) {
  const sent: WindowsCommand[] = [];
  const hosts = new Map<string, RemoteHost>();
  for (const [address, machine] of [
    [PRIMARY, primary],
    [BACKUP, backup],
  ] as const) {
    const config = verifyAction[address === PRIMARY ? 'primary' : 'backup'].host;
    hosts.set(
      address,
      windowsFixtureHost(config, (c) => {
        sent.push(c);
        const answer = machine.answer(c);
        if (!answer) throw new Error(`unexpected script:\n${c.script}`);
        return answer;
      }).host,
    );
  }
  const report = await executeStep(verifyStep, {
    connect: async (host: HostConfig) => hosts.get(host.address)!,
    handlers: registry,
  });
  return { report, sent };
}

describe('verify', () => {
  it('finds two agents prepared alike, and writes nothing', async () => {
    const { report, sent } = await verify(
      installedAgent(7, '10.3.0.0-12345', BACKUP),
      installedAgent(7, '10.3.0.0-12345', PRIMARY),
    );
    expect(report.outcome).toBe('ok');
    expect(report.actions[0].detail).toBe('both agents: DataMiner ID 7, 10.3.0.0-12345; ports open');
    expect(sent.filter((c) => runs(c, ATOMIC_WRITE_PS))).toEqual([]);
  });

  it('reports every difference at once: the ID, the version, a stopped backup and a closed port', async () => {
    const backup = installedAgent(8, '10.3.0.0-99999', PRIMARY);
    backup.services.set(DATAMINER_SERVICE, 'Stopped');
    backup.answering.delete(`${PRIMARY}:4222`);
    const { report } = await verify(installedAgent(7, '10.3.0.0-12345', BACKUP), backup);
    expect(report.outcome).toBe('failed');
    const reason = report.reason!;
    expect(reason).toContain('the pair is not prepared alike:');
    expect(reason).toContain('the DataMiner IDs differ: dma-a (primary) 7, dma-b (backup) 8');
    expect(reason).toContain(
      'the versions differ: dma-a (primary) 10.3.0.0-12345, dma-b (backup) 10.3.0.0-99999',
    );
    expect(reason).toContain('DataMiner does not run on dma-b (backup): its service is Stopped');
    expect(reason).toContain('dma-b → dma-a TCP 4222 (NATS) is closed');
  });
});

/**
 * The DataMiner handlers against two Windows fixture hosts: facts in, every problem out at once,
 * nothing written by a step that only verifies.
 */
import { ATOMIC_WRITE_PS, READ_FILE_PS, REMOVE_FILE_PS } from '../../src/dialect/powershell';
import {
  LIST_FOLDERS_PS,
  PATH_EXISTS_PS,
  AWAIT_PROCESS_PS,
  PROCESS_STATE_PS,
  RUN_AND_WAIT_PS,
} from '../../src/dialect/windows-primitives';
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
import { DATAMINER_PROCESS, DATAMINER_FILES, DEFAULT_TASKBAR_UTILITY, inInstallDir } from './commands';
import { DATAMINER_FAILOVER_PAIR_HANDLERS } from './handlers';
import { BACKUP_STEP, planDataMinerFailoverPairSteps, portChecks, VERIFY_STEP } from './plan';
import { parseDataMinerVersion } from './versions';
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
const configProps = {
  version: '10.3.0 [CU9]',
  primary: agent('dma-a', PRIMARY),
  backup: agent('dma-b', BACKUP),
  virtualIps: ['10.0.1.50'],
  storage: { type: 'cassandra-per-agent' },
};
const config = dataMinerFailoverPairSchema.parse(configProps);
const verifyStep = toStepSpec(planDataMinerFailoverPairSteps(config).find((s) => s.id === VERIFY_STEP)!);
const verifyAction = verifyStep.actions[0] as VerifyAction;

/** An installed agent: DataMiner.xml with its ID, the version history, the service, reachable by its peer. */
function installedAgent(id: number, version: string, peer: string): WindowsMachine {
  const machine = new WindowsMachine();
  const at = (relative: string) => inInstallDir(DEFAULT_INSTALL_DIR, relative);
  machine.writeFile(at(DATAMINER_FILES.dataMiner), `<DataMiner id="${id}" />`);
  machine.writeFile(at(DATAMINER_FILES.versionHistory), `10.3.0.0-12345;${version}\r\n`);
  machine.writeFile(at(DATAMINER_FILES.dms), '<DMS><Cluster name="DMS"/></DMS>');
  machine.processes.add(DATAMINER_PROCESS);
  machine.answering.add(peer);
  for (const check of verifyAction.ports) machine.answering.add(`${peer}:${check.anyOf[0]}`);
  return machine;
}

/** What the backup's DataMiner does when the tests stop and start it. */
interface BackupControl {
  startSucceeds: boolean;
}

async function run(
  step: typeof verifyStep,
  primary: WindowsMachine,
  backup: WindowsMachine,
  control?: BackupControl,
) {
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
        sent.push({ ...c, vars: { ...c.vars, on: address } });
        const answer = machine.answer(c);
        if (answer) return answer;
        if (control && machine === backup && runs(c, RUN_AND_WAIT_PS)) {
          expect(c.vars.program).toBe(DEFAULT_TASKBAR_UTILITY);
          if (c.vars.argument === '-stop') {
            machine.processes.delete(DATAMINER_PROCESS);
            return {};
          }
          if (!control.startSucceeds) return { code: 5, stdout: 'DataMiner could not be started\r\n' };
          machine.processes.add(DATAMINER_PROCESS);
          return {};
        }
        throw new Error(`unexpected script:\n${c.script}`);
      }).host,
    );
  }
  const report = await executeStep(step, {
    connect: async (host: HostConfig) => hosts.get(host.address)!,
    handlers: registry,
  });
  return { report, sent };
}

describe('verify', () => {
  it('finds two agents prepared alike, and writes nothing', async () => {
    const { report, sent } = await run(
      verifyStep,
      installedAgent(7, '10.3.0.0-12345', BACKUP),
      installedAgent(7, '10.3.0.0-12345', PRIMARY),
    );
    expect(report.outcome).toBe('ok');
    expect(report.actions[0].detail).toBe('both agents: DataMiner ID 7, 10.3.0.0-12345; ports open');
    expect(sent.filter((c) => runs(c, ATOMIC_WRITE_PS))).toEqual([]);
  });

  it('reports every difference at once: the ID, the version, a stopped backup and a closed port', async () => {
    const backup = installedAgent(8, '10.3.0.0-99999', PRIMARY);
    backup.processes.delete(DATAMINER_PROCESS);
    backup.answering.delete(`${PRIMARY}:4222`);
    const { report } = await run(verifyStep, installedAgent(7, '10.3.0.0-12345', BACKUP), backup);
    expect(report.outcome).toBe('failed');
    const reason = report.reason!;
    expect(reason).toContain('the pair is not prepared alike:');
    expect(reason).toContain('the DataMiner IDs differ: dma-a (primary) 7, dma-b (backup) 8');
    expect(reason).toContain(
      'the versions differ: dma-a (primary) 10.3.0.0-12345, dma-b (backup) 10.3.0.0-99999',
    );
    expect(reason).toContain('DataMiner does not run on dma-b (backup): no SLDataMiner process');
    expect(reason).toContain('dma-b → dma-a TCP 4222 (NATS) is closed');
  });
});

describe('the ports between the agents, as the vendor lists them today', () => {
  const checked = (version: string, storage: object) =>
    portChecks(
      dataMinerFailoverPairSchema.parse({ ...configProps, version, storage }).storage,
      parseDataMinerVersion(version)!,
    ).map(
      (c) =>
        `${c.to === 'peer' ? 'peer' : c.to}:${c.anyOf.join('|')}${c.unlessBrokerGateway ? ' unless BrokerGateway' : ''}`,
    );

  it('8004 always; 443 too where gRPC is the default; 9090 only before 10.6 and BrokerGateway; CQL on 9042 with TLS too', () => {
    const dedicated = {
      type: 'dedicated-clustered',
      cassandraHosts: ['10.0.1.90'],
      searchHosts: ['10.0.1.91'],
      passwordEnv: 'DB_PW',
      tls: true,
    };
    expect(checked('10.3.0 [CU9]', dedicated)).toEqual([
      'peer:8004',
      'peer:4222',
      'peer:6222',
      'peer:9090 unless BrokerGateway',
      '10.0.1.90:9042',
      '10.0.1.91:9200',
    ]);
    expect(checked('10.5.10', { type: 'storage-as-a-service' })).toEqual([
      'peer:8004',
      'peer:443',
      'peer:4222',
      'peer:6222',
      'peer:9090 unless BrokerGateway',
    ]);
    expect(checked('10.6.0 [CU1]', { type: 'storage-as-a-service' })).toEqual([
      'peer:8004',
      'peer:443',
      'peer:4222',
      'peer:6222',
    ]);
  });

  it('verify refuses neither on a blocked ping nor on a closed 9090 when an agent runs BrokerGateway', async () => {
    const primary = installedAgent(7, '10.3.0.0-12345', BACKUP);
    const backup = installedAgent(7, '10.3.0.0-12345', PRIMARY);
    primary.answering.delete(BACKUP);
    backup.answering.delete(PRIMARY);
    backup.answering.delete(`${PRIMARY}:9090`);
    const closed = await run(verifyStep, primary, backup);
    expect(closed.report.reason).toContain('dma-b → dma-a TCP 9090 (NATS account server) is closed');
    expect(closed.report.reason).not.toContain('ping');
    primary.writeFile(
      inInstallDir(DEFAULT_INSTALL_DIR, DATAMINER_FILES.maintenance),
      '<MaintenanceSettings><SLNet><BrokerGateway>true</BrokerGateway></SLNet></MaintenanceSettings>',
    );
    const migrated = await run(verifyStep, primary, backup);
    expect(migrated.report.outcome).toBe('ok');
  });
});

describe('prepare the backup', () => {
  const backupStep = toStepSpec(planDataMinerFailoverPairSteps(config).find((s) => s.id === BACKUP_STEP)!);
  const kinds = (sent: WindowsCommand[]) =>
    sent
      .filter(
        (c) =>
          !runs(c, READ_FILE_PS) &&
          !runs(c, PROCESS_STATE_PS) &&
          !runs(c, AWAIT_PROCESS_PS) &&
          !runs(c, LIST_FOLDERS_PS) &&
          !runs(c, PATH_EXISTS_PS),
      )
      .map((c) => {
        const on = c.vars.on === PRIMARY ? 'primary' : 'backup';
        if (runs(c, ATOMIC_WRITE_PS)) return `${on} write ${c.vars.path}`;
        if (runs(c, REMOVE_FILE_PS)) return `${on} remove ${c.vars.path}`;
        if (runs(c, RUN_AND_WAIT_PS))
          return `${on} ${c.vars.argument === '-stop' ? 'stop' : 'start'} DataMiner`;
        return `${on} other`;
      });
  const PENDING = 'C:\\ProgramData\\cdktf-failover\\pending\\dataminer-start-due';
  const DATAMINER_XML = inInstallDir(DEFAULT_INSTALL_DIR, DATAMINER_FILES.dataMiner);

  it('gives the backup the primary ID, with DataMiner stopped on the backup only, and a start that failed is done on the next run', async () => {
    const primary = installedAgent(7, '10.3.0.0-12345', BACKUP);
    const backup = installedAgent(8, '10.3.0.0-12345', PRIMARY);
    const control = { startSucceeds: false };
    const first = await run(backupStep, primary, backup, control);
    expect(first.report.outcome).toBe('failed');
    expect(first.report.reason).toBe(
      'starting DataMiner on dma-b (SLTaskbarUtility.exe -start) failed (exit 5): DataMiner could not be started; look at its logs and start it again',
    );
    expect(kinds(first.sent)).toEqual([
      `backup write ${PENDING}`,
      'backup stop DataMiner',
      `backup write ${DATAMINER_XML}`,
      'backup start DataMiner',
    ]);
    expect(backup.readFile(DATAMINER_XML)).toBe('<DataMiner id="7" />');
    expect(backup.readFile(PENDING)).toBeDefined();

    control.startSucceeds = true;
    const second = await run(backupStep, primary, backup, control);
    expect(second.report.outcome).toBe('changed');
    expect(second.report.actions[0].detail).toBe('DataMiner started on the backup (due from an earlier run)');
    expect(kinds(second.sent)).toEqual(['backup start DataMiner', `backup remove ${PENDING}`]);
    expect(backup.processes.has(DATAMINER_PROCESS)).toBe(true);

    const third = await run(backupStep, primary, backup, control);
    expect(third.report.actions[0].detail).toBe('the backup is already prepared; DataMiner was not stopped');
    expect(kinds(third.sent)).toEqual([]);
  });
});

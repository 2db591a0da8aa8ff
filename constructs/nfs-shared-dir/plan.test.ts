import { upstreamDigests } from '../../src/engine/step-resources';
import type { CommandAction, FileAction, LineAction } from '../../src/actions';
import { editLines } from '../../src/edit/lines';
import { SshCredentials } from '../../src/schema/host';
import { orderSteps } from '../../src/step';
import type { MountAction, PreflightAction, VerifyAction } from './actions';
import { fstabLine, fstabMatch, hostStepId, planNfsSharedDirSteps } from './plan';
import { nfsSharedDirSchema, NfsSharedDirProps } from './props';

const KEY = `SHA256:${'k'.repeat(43)}`;
const host = (name: string | undefined, address: string) => ({
  ...(name ? { name } : {}),
  address,
  user: 'root',
  hostKeySha256: KEY,
  credentials: SshCredentials.privateKeyEnv('DEPLOY_SSH_KEY'),
});

const props = (extra: Partial<NfsSharedDirProps> = {}): NfsSharedDirProps => ({
  serverHost: host('nfs', '10.0.0.10'),
  exportPath: '/srv/da-shared',
  mountPath: '/DASharedRepo',
  clients: [host('da1', '10.0.0.11'), host('da2', '10.0.0.12')],
  owner: { user: 'dauser', uid: 4500, group: 'dauser', gid: 4500 },
  ...extra,
});
const plan = (extra: Partial<NfsSharedDirProps> = {}) =>
  planNfsSharedDirSteps(nfsSharedDirSchema.parse(props(extra)));
const step = (steps: ReturnType<typeof plan>, id: string) => steps.find((s) => s.id === id)!;

describe('planNfsSharedDirSteps', () => {
  it('checks first, then the server, the clients in parallel, then verifies', () => {
    const steps = plan();
    expect(steps.map((s) => [s.id, s.host.name, s.after, s.when])).toEqual([
      ['preflight', 'nfs', [], 'create'],
      ['server', 'nfs', ['preflight'], 'create'],
      ['client-da1', 'da1', ['preflight', 'server'], 'create'],
      ['client-da2', 'da2', ['preflight', 'server'], 'create'],
      ['verify', 'da1', ['client-da1', 'client-da2'], 'create'],
    ]);
    expect(orderSteps(steps).map((s) => s.id)).toEqual(steps.map((s) => s.id));
  });

  it('has the preflight visit every host with what it must check', () => {
    const preflight = step(plan(), 'preflight').actions[0] as PreflightAction;
    expect(preflight).toMatchObject({
      kind: 'nfs-shared-dir.preflight',
      server: {
        exportPath: '/srv/da-shared',
        exportsFile: '/etc/exports.d/cdktf-failover-srv-da-shared.exports',
        mode: '0770',
      },
      exportSource: '10.0.0.10:/srv/da-shared',
      mountPath: '/DASharedRepo',
      owner: { user: 'dauser', uid: 4500, group: 'dauser', gid: 4500 },
    });
    expect(preflight.clients.map((c) => c.address)).toEqual(['10.0.0.11', '10.0.0.12']);
  });

  it('makes the server export exactly the clients and apply it only when the file changed', () => {
    const server = step(plan(), 'server');
    expect(server.actions.map((a) => a.kind)).toEqual([
      'command',
      'file',
      'command',
      'nfs-shared-dir.export-table',
    ]);
    const [directory, file, apply, table] = server.actions as [
      CommandAction,
      FileAction,
      CommandAction,
      Record<string, unknown>,
    ];
    expect(directory.check).toEqual({
      argv: ['sh', '-c', expect.any(String), 'sh', '/srv/da-shared', '4500', '4500', '770'],
    });
    expect(directory.run).toEqual({
      argv: ['sh', '-c', expect.any(String), 'sh', '/srv/da-shared', '4500', '4500', '00770'],
    });
    expect(file).toMatchObject({
      path: '/etc/exports.d/cdktf-failover-srv-da-shared.exports',
      mode: '0644',
      notifies: 'nfs-exports-changed',
    });
    expect(file.content.split('\n')[1]).toBe(
      '/srv/da-shared 10.0.0.11(rw,sync,no_subtree_check,root_squash,sec=sys) 10.0.0.12(rw,sync,no_subtree_check,root_squash,sec=sys)',
    );
    expect(apply).toMatchObject({ run: { argv: ['exportfs', '-ra'] }, whenNotified: 'nfs-exports-changed' });
    expect(table).toMatchObject({
      exportPath: '/srv/da-shared',
      clients: ['10.0.0.11', '10.0.0.12'],
      options: ['rw', 'sync', 'no_subtree_check', 'root_squash', 'sec=sys'],
    });
  });

  it('makes the server NFSv4-only and sets the idmap domain when asked', () => {
    const server = step(plan({ serverNfsV4Only: true, idmapDomain: 'example.com', mode: '2770' }), 'server');
    expect(server.actions.slice(0, 4)).toEqual([
      expect.objectContaining({
        kind: 'command',
        run: { argv: ['sh', '-c', expect.any(String), 'sh', '/srv/da-shared', '4500', '4500', '02770'] },
      }),
      {
        kind: 'config',
        format: 'ini',
        path: '/etc/nfs.conf',
        settings: [{ key: 'nfsd.vers3', value: 'n' }],
        createIfMissing: true,
        notifies: 'nfs-server-restart',
      },
      {
        kind: 'command',
        description: 'restart nfs-server for the NFSv4-only setting',
        run: { argv: ['systemctl', 'restart', 'nfs-server'] },
        whenNotified: 'nfs-server-restart',
      },
      {
        kind: 'config',
        format: 'ini',
        path: '/etc/idmapd.conf',
        settings: [{ key: 'General.Domain', value: 'example.com' }],
        createIfMissing: true,
      },
    ]);
  });

  it('gives each client the owner, the fstab line and the mount, pinned', () => {
    const client = step(
      plan({ mountOptions: ['noatime'], nfsVersion: '4.2', idmapDomain: 'example.com' }),
      'client-da2',
    );
    expect(client.actions.map((a) => ('description' in a ? a.description : a.kind))).toEqual([
      'group dauser with GID 4500',
      'user dauser with UID 4500',
      'config',
      'mount point /DASharedRepo',
      'line',
      '10.0.0.10:/srv/da-shared mounted at /DASharedRepo (NFS 4.2)',
    ]);
    expect((client.actions[1] as CommandAction).run).toEqual({
      argv: ['useradd', '-u', '4500', '-g', '4500', '-M', 'dauser'],
    });
    expect(client.actions[4]).toEqual({
      kind: 'line',
      path: '/etc/fstab',
      line: '10.0.0.10:/srv/da-shared /DASharedRepo nfs4 vers=4.2,hard,proto=tcp,_netdev,noatime 0 0',
      match: fstabMatch('/DASharedRepo'),
    });
    expect(client.actions[5] as MountAction).toMatchObject({
      options: ['vers=4.2', 'hard', 'proto=tcp', '_netdev', 'noatime'],
      extraOptions: ['noatime'],
      nfsVersion: '4.2',
    });
  });

  it("replaces only the mount point's fstab entry, keeping every other line byte for byte", () => {
    const config = nfsSharedDirSchema.parse(props());
    const fstab =
      '# /etc/fstab\r\nUUID=1 /    ext4 defaults 0 1\n#10.0.0.10:/old /DASharedRepo nfs4 defaults 0 0\n10.0.0.10:/srv/da-shared\t/DASharedRepo\tnfs4\tvers=3 0 0\n/dev/sdb1 /DASharedRepo2 xfs defaults 0 0';
    const edited = editLines(fstab, { line: fstabLine(config), match: fstabMatch(config.mountPath) });
    expect(edited).toBe(
      `# /etc/fstab\r\nUUID=1 /    ext4 defaults 0 1\n#10.0.0.10:/old /DASharedRepo nfs4 defaults 0 0\n${fstabLine(config)}\n/dev/sdb1 /DASharedRepo2 xfs defaults 0 0`,
    );
    expect(editLines(edited, { line: fstabLine(config), match: fstabMatch(config.mountPath) })).toBe(edited);
  });

  it('verifies from the first client across all, and again whenever an earlier step changes', () => {
    const verify = step(plan(), 'verify').actions[0] as VerifyAction;
    expect(verify).toMatchObject({
      kind: 'nfs-shared-dir.verify',
      mountPath: '/DASharedRepo',
      nfsVersion: '4.1',
      mode: '0770',
      lockWaitSeconds: 30,
    });
    expect(verify.clients.map((c) => c.name)).toEqual(['da1', 'da2']);
    // Any change before it (an export option, say) re-runs the verification, and any change at
    // all re-runs the preflight: the engine folds those specs into their triggers.
    const digests = (extra: Partial<NfsSharedDirProps> = {}) => upstreamDigests(orderSteps(plan(extra)));
    const changed = digests({ exportOptions: ['rw', 'sync', 'root_squash'] });
    expect(changed.get('verify')).not.toBe(digests().get('verify'));
    expect(changed.get('preflight')).not.toBe(digests().get('preflight'));
    expect(digests().get('verify')).toBe(digests().get('verify'));
  });

  it('mounts an existing export without a server step, checking from the first client', () => {
    const steps = plan({
      serverHost: undefined,
      exportPath: undefined,
      existingExport: 'nas.example.com:/da',
    });
    expect(steps.map((s) => [s.id, s.host.name, s.after])).toEqual([
      ['preflight', 'da1', []],
      ['client-da1', 'da1', ['preflight']],
      ['client-da2', 'da2', ['preflight']],
      ['verify', 'da1', ['client-da1', 'client-da2']],
    ]);
    expect(step(steps, 'preflight').actions[0]).not.toHaveProperty('server');
    expect((step(steps, 'client-da1').actions[3] as LineAction).line).toBe(
      'nas.example.com:/da /DASharedRepo nfs4 vers=4.1,hard,proto=tcp,_netdev 0 0',
    );
  });

  it('adds one destroy-time unmount per client with removalPolicy "unmount", and none with "retain"', () => {
    expect(plan().filter((s) => s.when === 'destroy')).toEqual([]);
    const removal = plan({ removalPolicy: 'unmount' }).filter((s) => s.when === 'destroy');
    expect(removal.map((s) => [s.id, s.host.name, s.after])).toEqual([
      ['unmount-da1', 'da1', ['client-da1']],
      ['unmount-da2', 'da2', ['client-da2']],
    ]);
    expect(removal[0].actions).toEqual([
      {
        kind: 'nfs-shared-dir.unmount',
        description: 'unmount /DASharedRepo (the data stays on the server)',
        exportSource: '10.0.0.10:/srv/da-shared',
        mountPath: '/DASharedRepo',
      },
      {
        kind: 'line',
        path: '/etc/fstab',
        line: '10.0.0.10:/srv/da-shared /DASharedRepo nfs4 vers=4.1,hard,proto=tcp,_netdev 0 0',
        match: fstabMatch('/DASharedRepo'),
        state: 'absent',
      },
    ]);
  });

  it('names steps after hosts, by address without a name and by position for a Token', () => {
    const config = nfsSharedDirSchema.parse(props());
    expect(hostStepId('client', { ...config.clients[0], name: undefined }, 0)).toBe('client-10-0-0-11');
    expect(
      hostStepId('client', { ...config.clients[0], name: undefined, address: '${TfToken[TOKEN.1]}' }, 1),
    ).toBe('client-2');
    expect(hostStepId('client', { ...config.clients[0], name: 'DA_Host.1' }, 0)).toBe('client-da-host-1');
  });
});

import { SshCredentials } from '../../src/schema/host';
import { problemsFromZod } from '../../src/validate';
import { NfsSharedDirConfig, nfsSharedDirSchema, NfsSharedDirProps } from './props';

const KEY = `SHA256:${'k'.repeat(43)}`;
const host = (name: string, address: string, extra: object = {}) => ({
  name,
  address,
  user: 'root',
  hostKeySha256: KEY,
  credentials: SshCredentials.privateKeyEnv('DEPLOY_SSH_KEY'),
  ...extra,
});

const valid = (): NfsSharedDirProps => ({
  serverHost: host('nfs', '10.0.0.10'),
  exportPath: '/srv/da-shared',
  mountPath: '/DASharedRepo',
  clients: [host('da1', '10.0.0.11'), host('da2', '10.0.0.12')],
  owner: { user: 'dauser', uid: 4500, group: 'dauser', gid: 4500 },
});

function parse(props: unknown): NfsSharedDirConfig {
  const result = nfsSharedDirSchema.safeParse(props, { reportInput: true });
  if (!result.success)
    throw new Error(JSON.stringify(problemsFromZod('Stack/Shared', props, result.error), null, 2));
  return result.data;
}

/** The problems of invalid props, as `property: expected` lines. */
function problems(props: unknown): string[] {
  const result = nfsSharedDirSchema.safeParse(props, { reportInput: true });
  if (result.success) return [];
  return problemsFromZod('Stack/Shared', props, result.error).map((p) => `${p.propertyPath}: ${p.expected}`);
}

const withProps = (overrides: Record<string, unknown>) => ({ ...valid(), ...overrides });

describe('NfsSharedDir props: accepted input and defaults', () => {
  it('fills the defaults for a configured server', () => {
    const config = parse(valid());
    expect(config).toMatchObject({
      exportSource: '10.0.0.10:/srv/da-shared',
      mountPath: '/DASharedRepo',
      mode: '0770',
      nfsVersion: '4.1',
      mountOptions: [],
      removalPolicy: 'retain',
      server: {
        kind: 'host',
        exportPath: '/srv/da-shared',
        exportOptions: ['rw', 'sync', 'no_subtree_check', 'root_squash', 'sec=sys'],
        nfsV4Only: false,
      },
    });
    expect(config.clients.map((c) => [c.address, c.port])).toEqual([
      ['10.0.0.11', 22],
      ['10.0.0.12', 22],
    ]);
    expect(config).not.toHaveProperty('idmapDomain');
  });

  it('takes an existing export (a NAS) as the source, IPv6 in brackets', () => {
    const props = withProps({
      serverHost: undefined,
      exportPath: undefined,
      existingExport: '[fd00::10]:/da-shared',
    });
    expect(parse(props)).toMatchObject({
      exportSource: '[fd00::10]:/da-shared',
      server: { kind: 'existing', address: 'fd00::10', exportPath: '/da-shared' },
    });
    expect(
      parse(
        withProps({
          serverHost: undefined,
          exportPath: undefined,
          existingExport: 'nas.example.com:/vol/da',
        }),
      ).server,
    ).toEqual({
      kind: 'existing',
      address: 'nas.example.com',
      exportPath: '/vol/da',
    });
  });

  it('brackets an IPv6 server host in the source', () => {
    expect(parse(withProps({ serverHost: host('nfs', 'fd00::10') })).exportSource).toBe(
      '[fd00::10]:/srv/da-shared',
    );
  });

  it('normalizes a three-digit mode and keeps setgid', () => {
    expect(parse(withProps({ mode: '770' })).mode).toBe('0770');
    expect(parse(withProps({ mode: '2770' })).mode).toBe('2770');
  });

  it('accepts every NFSv4 minor version and extra mount options, dropping repeats of pinned ones', () => {
    for (const v of ['4.0', '4.1', '4.2'] as const)
      expect(parse(withProps({ nfsVersion: v })).nfsVersion).toBe(v);
    expect(
      parse(withProps({ mountOptions: ['noatime', 'hard', 'timeo=600', '_netdev'] })).mountOptions,
    ).toEqual(['noatime', 'hard', 'timeo=600', '_netdev']);
  });

  it('takes idmapDomain, exportOptions, serverNfsV4Only and removalPolicy', () => {
    const config = parse(
      withProps({
        idmapDomain: 'example.com',
        exportOptions: ['rw', 'sync', 'sec=krb5:sys'],
        serverNfsV4Only: true,
        removalPolicy: 'unmount',
      }),
    );
    expect(config).toMatchObject({
      idmapDomain: 'example.com',
      removalPolicy: 'unmount',
      server: { exportOptions: ['rw', 'sync', 'sec=krb5:sys'], nfsV4Only: true },
    });
  });
});

describe('NfsSharedDir props: every rule names the property and the fix', () => {
  it.each([
    [
      'neither server',
      { serverHost: undefined },
      'serverHost: expected serverHost (a Linux host to configure as the NFS server) or existingExport',
    ],
    [
      'both servers',
      { existingExport: 'nas:/x' },
      'serverHost: give either serverHost (a host we configure) or existingExport (a NAS export), not both',
    ],
    [
      'no exportPath',
      { exportPath: undefined },
      'exportPath: expected the directory to export on serverHost',
    ],
    [
      'a Windows server',
      { serverHost: host('nfs', '10.0.0.10', { os: 'windows' }) },
      'serverHost: NFS servers and clients of a shared directory must be Linux hosts',
    ],
    [
      'a Windows client',
      { clients: [host('da1', '10.0.0.11', { os: 'windows' })] },
      'clients[0]: NFS servers and clients of a shared directory must be Linux hosts',
    ],
    ['no clients', { clients: [] }, 'clients: expected at least one client host; a failover pair has two'],
    [
      'a client twice by address',
      { clients: [host('da1', '10.0.0.11'), host('da2', '10.0.0.11')] },
      'clients[1]: the same host as clients[0]',
    ],
    [
      'a client twice by name',
      { clients: [host('da1', '10.0.0.11'), host('da1', '10.0.0.12')] },
      'clients[1]: the same host as clients[0]',
    ],
    [
      'a relative mountPath',
      { mountPath: 'DASharedRepo' },
      'mountPath: expected an absolute path starting with "/"',
    ],
    [
      'a system mountPath',
      { mountPath: '/etc' },
      'mountPath: expected a dedicated directory such as /DASharedRepo: mounting over a system directory would hide',
    ],
    [
      'a mountPath with a space',
      { mountPath: '/DA Shared' },
      'mountPath: expected a path of letters, digits and ". _ + - /"',
    ],
    [
      'a trailing slash',
      { mountPath: '/DASharedRepo/' },
      'mountPath: expected the path without a trailing "/"',
    ],
    ['".." in a path', { exportPath: '/srv/../etc' }, 'exportPath: a path may not contain ".." segments'],
    [
      'a system exportPath',
      { exportPath: '/srv' },
      'exportPath: expected a dedicated directory such as /srv/da-shared',
    ],
    [
      'UID 0',
      { owner: { user: 'dauser', uid: 0, group: 'dauser', gid: 4500 } },
      'owner.uid: expected a numeric ID of at least 1: 0 is root, which NFS squashes',
    ],
    [
      'the nobody GID',
      { owner: { user: 'dauser', uid: 4500, group: 'dauser', gid: 65534 } },
      'owner.gid: expected a numeric ID of at most 65533',
    ],
    [
      'a bad user name',
      { owner: { user: 'Da User', uid: 4500, group: 'dauser', gid: 4500 } },
      'owner.user: expected a POSIX name',
    ],
    [
      'an incomplete owner',
      { owner: { user: 'dauser', uid: 4500 } },
      'owner.group: expected the owner\'s group name, such as "dauser"',
    ],
    ['a mode that is not octal', { mode: '0990' }, 'mode: expected an octal mode such as "0770" or "2770"'],
    [
      'a mode without owner search',
      { mode: '0660' },
      'mode: expected a mode that gives the owner read, write and search (u=rwx)',
    ],
    ['a numeric mode', { mode: 0o770 }, 'mode: expected an octal mode as a string, such as "0770"'],
    [
      'NFS version 3 as a string',
      { nfsVersion: '3' },
      "nfsVersion: NFS versions below 4 are rejected because ActiveMQ KahaDB keeps its lock on the share, and with NFSv3 a dead master's lock is never released",
    ],
    [
      'NFS version 3 as a number',
      { nfsVersion: 3 },
      'nfsVersion: NFS versions below 4 are rejected because ActiveMQ KahaDB',
    ],
    [
      'NFS version "v3"',
      { nfsVersion: 'v3' },
      'nfsVersion: NFS versions below 4 are rejected because ActiveMQ KahaDB',
    ],
    ['NFS version 4 without minor', { nfsVersion: '4' }, 'nfsVersion: expected "4.0", "4.1" or "4.2"'],
    ['NFS version as a number', { nfsVersion: 4.1 }, 'nfsVersion: expected the version as a string: "4.1"'],
    [
      'an unknown removal policy',
      { removalPolicy: 'delete' },
      'removalPolicy: expected "retain" (leave everything) or "unmount"',
    ],
    [
      'a bad idmapDomain',
      { idmapDomain: 'example com' },
      'idmapDomain: expected a DNS domain such as "example.com"',
    ],
    ['an unknown prop', { mountpath: '/x' }, ': Unrecognized key: "mountpath"'],
  ])('rejects %s', (_, overrides, message) => {
    expect(problems(withProps(overrides)).join('\n')).toContain(message);
  });

  it.each([
    [
      'nolock',
      'mountOptions[0]: nolock is rejected because it makes locks local to each client, so two brokers could both "hold" the KahaDB lock',
    ],
    [
      'local_lock=all',
      'mountOptions[0]: local_lock=all is rejected because it makes locks local to each client',
    ],
    [
      'local_lock=none',
      'mountOptions[0]: local_lock=none is rejected because it makes locks local to each client',
    ],
    [
      'soft',
      'mountOptions[0]: soft is rejected because a soft mount gives up on a slow server and can corrupt data',
    ],
    ['softerr', 'mountOptions[0]: softerr is rejected because a soft mount'],
    [
      'vers=3',
      'mountOptions[0]: vers=3 is rejected because ActiveMQ KahaDB keeps its lock on the share, and with NFSv3',
    ],
    ['nfsvers=3', 'mountOptions[0]: nfsvers=3 is rejected because ActiveMQ KahaDB'],
    ['nfsvers=2', 'mountOptions[0]: nfsvers=2 is rejected because ActiveMQ KahaDB'],
    ['v3', 'mountOptions[0]: v3 is rejected because ActiveMQ KahaDB'],
    [
      'vers=4.2',
      'mountOptions[0]: vers=4.2 is rejected: the version is pinned from nfsVersion; set nfsVersion instead',
    ],
    ['udp', 'mountOptions[0]: udp is rejected: the construct pins proto=tcp'],
    ['proto=rdma', 'mountOptions[0]: proto=rdma is rejected: the construct pins proto=tcp'],
    [
      'ro',
      'mountOptions[0]: ro is rejected because every client of the shared directory must read and write it',
    ],
    ['noauto', 'mountOptions[0]: noauto is rejected because the share must be available at all times'],
    ['remount', 'mountOptions[0]: remount is a mount action, not an option of the share'],
    ['noatime,nolock', 'mountOptions[0]: expected one mount option per element'],
    ['noatime nolock', 'mountOptions[0]: expected one mount option per element'],
  ])('rejects the mount option %s with its reason', (option, message) => {
    expect(problems(withProps({ mountOptions: [option] })).join('\n')).toContain(message);
  });

  it('rejects a mount option given twice', () => {
    expect(problems(withProps({ mountOptions: ['noatime', 'noatime'] }))).toEqual([
      'mountOptions[1]: noatime is given twice; give it once',
    ]);
  });

  it.each([
    [
      ['sync', 'root_squash'],
      'exportOptions: the options must include rw: exportfs exports read-only unless rw is given',
    ],
    [
      ['rw', 'ro'],
      'exportOptions[1]: ro is rejected because every client of the shared directory must read and write it',
    ],
    [
      ['rw', 'fsid=0'],
      'exportOptions[1]: fsid=0 is rejected: it makes this export the NFSv4 pseudo-root, so clients would have to mount server:/',
    ],
    [
      ['rw', 'fsid=root'],
      'exportOptions[1]: fsid=root is rejected: it makes this export the NFSv4 pseudo-root',
    ],
    [['rw,sync'], 'exportOptions[0]: expected one export option per element'],
    [['rw', 'rw'], 'exportOptions[1]: rw is given twice; give it once'],
  ])('rejects the export options %j', (options, message) => {
    expect(problems(withProps({ exportOptions: options })).join('\n')).toContain(message);
  });

  it('rejects server-only props with an existing export', () => {
    const props = withProps({
      serverHost: undefined,
      existingExport: 'nas:/da',
      exportOptions: ['rw'],
      serverNfsV4Only: true,
    });
    expect(problems(props)).toEqual([
      'exportPath: leave exportPath out with existingExport: the path is part of the export ("server:/path")',
      'exportOptions: exportOptions apply only to a serverHost; a NAS keeps its own export options',
      'serverNfsV4Only: serverNfsV4Only applies only to a serverHost; configure the NAS itself',
    ]);
  });

  it.each([
    ['nas', 'expected the export as "server:/path"'],
    ['nas:da-shared', 'expected the export as "server:/path"'],
    ['fd00::10:/da', 'expected the export as "server:/path"'],
    ['[10.0.0.1]:/da', 'expected the server as an IPv4 address, a DNS hostname or a bracketed IPv6 address'],
    ['nas_1:/da', 'expected the server as an IPv4 address, a DNS hostname or a bracketed IPv6 address'],
    ['nas:/da shared', 'the export path: expected a path of letters, digits'],
  ])('rejects the existing export %s', (existingExport, message) => {
    const props = withProps({ serverHost: undefined, exportPath: undefined, existingExport });
    expect(problems(props).join('\n')).toContain(`existingExport: ${message}`);
  });

  it('lists every problem at once, even with a server missing', () => {
    const list = problems({
      ...valid(),
      serverHost: undefined,
      mountPath: '/etc',
      nfsVersion: '3',
      mountOptions: ['nolock'],
      owner: { user: 'dauser', uid: 0, group: 'dauser', gid: 1 },
    });
    expect(list.map((l) => l.slice(0, l.indexOf(':')))).toEqual([
      'mountPath',
      'owner.uid',
      'nfsVersion',
      'mountOptions[0]',
      'serverHost',
    ]);
  });

  it('never lets shell metacharacters through any string prop', () => {
    const evil = '$(touch /tmp/pwned);`id`';
    const cases: Record<string, unknown>[] = [
      { mountPath: `/DA${evil}` },
      { exportPath: `/srv/${evil}` },
      { serverHost: undefined, exportPath: undefined, existingExport: `nas:/${evil}` },
      { serverHost: undefined, exportPath: undefined, existingExport: `${evil}:/da` },
      { owner: { user: evil, uid: 4500, group: 'dauser', gid: 4500 } },
      { owner: { user: 'dauser', uid: 4500, group: evil, gid: 4500 } },
      { mountOptions: [evil] },
      { exportOptions: ['rw', evil] },
      { idmapDomain: evil },
      { mode: evil },
    ];
    for (const overrides of cases) expect(problems(withProps(overrides))).not.toEqual([]);
  });
});

import {
  extraMountOptions,
  localLockProblem,
  MountEntry,
  mountDifferences,
  mountOptionList,
  mountOptionProblem,
  WantedMount,
} from './mount-options';

/** Options as Linux lists them in /proc/mounts for an NFSv4.1 mount with the pinned options. */
const KERNEL_41 =
  'rw,relatime,vers=4.1,rsize=1048576,wsize=1048576,namlen=255,hard,proto=tcp,timeo=600,retrans=2,sec=sys,clientaddr=10.0.0.11,local_lock=none,addr=10.0.0.10';

const entry = (options: string, extra: Partial<MountEntry> = {}): MountEntry => ({
  target: '/DASharedRepo',
  source: '10.0.0.10:/srv/da-shared',
  fstype: 'nfs4',
  options: options.split(','),
  ...extra,
});
const wanted = (extra: Partial<WantedMount> = {}): WantedMount => ({
  source: '10.0.0.10:/srv/da-shared',
  nfsVersion: '4.1',
  extraOptions: [],
  ...extra,
});

describe('mount options', () => {
  it('pins version, hard, TCP and _netdev before the extras, without repeating pinned ones', () => {
    expect(mountOptionList('4.2', ['noatime', 'hard', '_netdev', 'tcp', 'timeo=600'])).toEqual([
      'vers=4.2',
      'hard',
      'proto=tcp',
      '_netdev',
      'noatime',
      'timeo=600',
    ]);
    expect(extraMountOptions(['proto=tcp', 'nosuid'])).toEqual(['nosuid']);
  });

  it('accepts ordinary options', () => {
    for (const o of [
      'noatime',
      'timeo=600',
      'retrans=3',
      'nconnect=4',
      'x-systemd.automount',
      'sec=krb5',
      'lookupcache=positive',
      'clientaddr=10.0.0.11',
    ]) {
      expect(mountOptionProblem(o)).toBeUndefined();
    }
  });

  it('refuses what breaks a shared KahaDB directory', () => {
    expect(mountOptionProblem('nfsvers=4.0')).toMatch(/pinned from nfsVersion/);
    expect(mountOptionProblem('vers=3.0')).toMatch(/KahaDB/);
    expect(mountOptionProblem('proto=tcp')).toBeUndefined();
    expect(mountOptionProblem('proto=udp')).toMatch(/pins proto=tcp/);
    expect(mountOptionProblem('bind')).toMatch(/mount action/);
  });
});

describe('localLockProblem', () => {
  it('passes the kernel default local_lock=none', () => {
    expect(localLockProblem(KERNEL_41.split(','))).toBeUndefined();
  });

  it.each([
    ['local_lock=all', 'local_lock=all'],
    ['local_lock=flock', 'local_lock=flock'],
    ['local_lock=posix', 'local_lock=posix'],
    ['nolock', 'nolock'],
  ])('names %s as local locks', (option, named) => {
    const options = KERNEL_41.replace('local_lock=none', option).split(',');
    expect(localLockProblem(options)).toMatch(
      new RegExp(`^locks are local to this client \\(mount options include ${named}\\)`),
    );
  });

  it('names nolock and the local_lock=all it implies together', () => {
    const options = KERNEL_41.replace('hard,', 'hard,nolock,')
      .replace('local_lock=none', 'local_lock=all')
      .split(',');
    expect(localLockProblem(options)).toContain('mount options include nolock and local_lock=all');
  });
});

describe('mountDifferences', () => {
  it('finds nothing in a mount as wanted', () => {
    expect(mountDifferences(entry(KERNEL_41), wanted())).toEqual([]);
  });

  it('names each difference', () => {
    const soft = KERNEL_41.replace('hard', 'soft')
      .replace('vers=4.1', 'vers=4.2')
      .replace('local_lock=none', 'local_lock=all')
      .replace('rw,', 'ro,');
    expect(mountDifferences(entry(soft, { fstype: 'nfs4', source: 'other:/x' }), wanted())).toEqual([
      'the source is other:/x, not 10.0.0.10:/srv/da-shared',
      'the NFS version is 4.2, not 4.1',
      'it is not a hard mount (soft)',
      'it is not mounted read-write',
      'locks are local to this client (mount options include local_lock=all)',
    ]);
  });

  it('leaves the local locks out for a caller that reports them in full', () => {
    const local = KERNEL_41.replace('local_lock=none', 'local_lock=all');
    expect(mountDifferences(entry(local), wanted(), { includeLocks: false })).toEqual([]);
  });

  it('notices an NFSv3 mount', () => {
    const v3 = KERNEL_41.replace('vers=4.1', 'vers=3').replace(',clientaddr=10.0.0.11', '');
    expect(mountDifferences(entry(v3, { fstype: 'nfs' }), wanted())).toEqual([
      'the filesystem type is nfs, not nfs4',
      'the NFS version is 3, not 4.1',
    ]);
  });

  it('compares the extras the kernel lists verbatim, and not the others', () => {
    const want = wanted({
      extraOptions: ['noatime', 'timeo=900', 'actimeo=30', 'rsize=65536', 'nofail', 'x-systemd.automount'],
    });
    expect(mountDifferences(entry(KERNEL_41), want)).toEqual(['the options lack noatime, timeo=900']);
    const applied = KERNEL_41.replace('relatime', 'noatime')
      .replace('timeo=600', 'timeo=900')
      .replace('rsize=1048576', 'rsize=65536');
    expect(mountDifferences(entry(applied), want)).toEqual([]);
  });
});

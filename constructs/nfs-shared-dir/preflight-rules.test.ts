import type { OwnerSpec } from './actions';
import { exportProblems, identityProblems, mountPointProblems, platformProblems } from './preflight-rules';
import { HostFacts, parseHostFacts } from './parse';

const OWNER: OwnerSpec = { user: 'dauser', uid: 4500, group: 'dauser', gid: 4500 };

/** HOST_FACTS output of a fresh client. */
const FRESH = 'os=Linux\npasswd_uid=\npasswd_user=\ngroup_gid=\ngroup_name=\npath=missing\n';

const facts = (text: string): HostFacts => parseHostFacts(text);

describe('parseHostFacts', () => {
  it('reads every fact', () => {
    const parsed = facts(
      'os=Linux\nmissing=flock\nmissing=mount.nfs4\npasswd_uid=postgres:x:4500:4500:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash\npasswd_user=dauser:x:4600:4600::/home/dauser:/bin/sh\ngroup_gid=postgres:x:4500:\ngroup_name=dauser:x:4600:\npath=directory\npath_owner=0:0\npath_entries=3\n',
    );
    expect(parsed).toEqual({
      os: 'Linux',
      missing: ['flock', 'mount.nfs4'],
      passwdByUid: { name: 'postgres', uid: 4500, gid: 4500 },
      passwdByUser: { name: 'dauser', uid: 4600, gid: 4600 },
      groupByGid: { name: 'postgres', gid: 4500 },
      groupByName: { name: 'dauser', gid: 4600 },
      path: 'directory',
      pathOwner: '0:0',
      pathEntries: 3,
    });
    expect(facts(FRESH)).toEqual({ os: 'Linux', missing: [], path: 'missing' });
  });
});

describe('platformProblems', () => {
  it('names another system and each missing command with what to install', () => {
    expect(platformProblems('da1', facts('os=SunOS\n'))).toEqual([
      'da1: the host runs SunOS, not Linux; NFS servers and clients of the shared directory must be Linux hosts',
    ]);
    expect(platformProblems('da1', facts('os=Linux\nmissing=mount.nfs4\nmissing=flock\n'))).toEqual([
      'da1: the command mount.nfs4 is missing; install the NFS client utilities (the package that provides mount.nfs4)',
      'da1: the command flock is missing; install it (it comes with the base system)',
    ]);
  });
});

describe('identityProblems', () => {
  it("passes a host where the IDs are free or already the owner's", () => {
    expect(identityProblems('da1', facts(FRESH), OWNER)).toEqual([]);
    const owned = facts(
      'os=Linux\npasswd_uid=dauser:x:4500:4500::/home/dauser:/bin/sh\npasswd_user=dauser:x:4500:4500::/home/dauser:/bin/sh\ngroup_gid=dauser:x:4500:\ngroup_name=dauser:x:4500:\n',
    );
    expect(identityProblems('da1', owned, OWNER)).toEqual([]);
  });

  it('names the host, the user holding the UID, and the UID', () => {
    const taken = facts(
      'os=Linux\npasswd_uid=postgres:x:4500:4500::/var/lib/postgresql:/bin/bash\ngroup_gid=postgres:x:4500:\n',
    );
    expect(identityProblems('lab-d', taken, OWNER)).toEqual([
      "lab-d: UID 4500 belongs to user 'postgres', not 'dauser'; pick a free UID or change it there",
      "lab-d: GID 4500 belongs to group 'postgres', not 'dauser'; pick a free GID or change it there",
    ]);
  });

  it('names a user or group that exists with other IDs', () => {
    const other = facts(
      'os=Linux\npasswd_user=dauser:x:1001:1001::/home/dauser:/bin/sh\ngroup_name=dauser:x:1001:\n',
    );
    expect(identityProblems('da2', other, OWNER)).toEqual([
      "da2: user 'dauser' exists with UID 1001, not 4500; set owner.uid to 1001 on every host or change the user's UID there (usermod -u 4500 dauser, then chown its files)",
      "da2: group 'dauser' exists with GID 1001, not 4500; set owner.gid to 1001 on every host or change the group's GID there (groupmod -g 4500 dauser)",
    ]);
    const primary = facts(
      'os=Linux\npasswd_uid=dauser:x:4500:100::/:/bin/sh\npasswd_user=dauser:x:4500:100::/:/bin/sh\n',
    );
    expect(identityProblems('da2', primary, OWNER)).toEqual([
      "da2: user 'dauser' has primary GID 100, not 4500; set owner.gid to 100 or change it there (usermod -g 4500 dauser)",
    ]);
  });
});

describe('mountPointProblems', () => {
  const SOURCE = '10.0.0.10:/srv/da-shared';
  const nfs = { target: '/DASharedRepo', source: SOURCE, fstype: 'nfs4', options: ['rw', 'vers=4.0'] };

  it('passes a free mount point and one that already mounts this share, whatever its options', () => {
    expect(mountPointProblems('da1', facts(FRESH), '/DASharedRepo', SOURCE, undefined, [])).toEqual([]);
    expect(
      mountPointProblems(
        'da1',
        facts('os=Linux\npath=directory\npath_entries=0\n'),
        '/DASharedRepo',
        SOURCE,
        undefined,
        [],
      ),
    ).toEqual([]);
    expect(
      mountPointProblems('da1', facts(FRESH), '/DASharedRepo', SOURCE, nfs, [
        { lineNumber: 3, source: SOURCE, fstype: 'nfs4' },
      ]),
    ).toEqual([]);
  });

  it('names a different mount, an fstab line of another source, and files the share would hide', () => {
    const local = { ...nfs, source: '/dev/sdb1', fstype: 'xfs' };
    expect(
      mountPointProblems('da1', facts(FRESH), '/DASharedRepo', SOURCE, local, [
        { lineNumber: 7, source: '/dev/sdb1', fstype: 'xfs' },
      ]),
    ).toEqual([
      'da1: /DASharedRepo is already the mount point of /dev/sdb1 (xfs); unmount it there or choose another mountPath',
      'da1: /etc/fstab line 7 mounts /dev/sdb1 (xfs) at /DASharedRepo; remove that line or choose another mountPath',
    ]);
    expect(
      mountPointProblems(
        'da1',
        facts('os=Linux\npath=directory\npath_entries=2\n'),
        '/DASharedRepo',
        SOURCE,
        undefined,
        [],
      ),
    ).toEqual([
      'da1: /DASharedRepo holds 2 entries that the mounted share would hide; move them away or choose another mountPath',
    ]);
    expect(
      mountPointProblems('da1', facts('os=Linux\npath=other\n'), '/DASharedRepo', SOURCE, undefined, []),
    ).toEqual(['da1: /DASharedRepo exists and is not a directory; remove it or choose another mountPath']);
  });
});

describe('exportProblems', () => {
  it('passes a new, an empty or an already owned directory', () => {
    expect(exportProblems('nfs', facts(FRESH), '/srv/da-shared', OWNER, [])).toEqual([]);
    expect(
      exportProblems(
        'nfs',
        facts('os=Linux\npath=directory\npath_owner=0:0\npath_entries=0\n'),
        '/srv/da-shared',
        OWNER,
        [],
      ),
    ).toEqual([]);
    expect(
      exportProblems(
        'nfs',
        facts('os=Linux\npath=directory\npath_owner=4500:4500\npath_entries=9\n'),
        '/srv/da-shared',
        OWNER,
        [],
      ),
    ).toEqual([]);
  });

  it("names someone else's data and another entry exporting the path", () => {
    const busy = facts('os=Linux\npath=directory\npath_owner=0:0\npath_entries=1\n');
    expect(
      exportProblems('nfs', busy, '/srv/da-shared', OWNER, [
        { file: '/etc/exports', lineNumber: 4, line: '/srv/da-shared *(rw)' },
      ]),
    ).toEqual([
      'nfs: /srv/da-shared already holds 1 entry owned as 0:0; the construct would make it 4500:4500. Choose a new directory, or chown it yourself if that data belongs to the share',
      'nfs: /etc/exports line 4 already exports /srv/da-shared ("/srv/da-shared *(rw)"); remove that entry so the export lists exactly the clients given here',
    ]);
    expect(exportProblems('nfs', facts('os=Linux\npath=symlink\n'), '/srv/da-shared', OWNER, [])).toEqual([
      'nfs: /srv/da-shared exists and is a symbolic link; give exportPath a directory of its own',
    ]);
  });
});

import {
  findExportsOf,
  findFstabEntries,
  parseExportfsVerbose,
  parseFindmntJson,
  parseGroupLine,
  parsePasswdLine,
} from './parse';

describe('parseFindmntJson', () => {
  it('reads util-linux 2.38 JSON with the chosen columns', () => {
    const stdout = `{
   "filesystems": [
      {
         "target": "/DASharedRepo",
         "source": "10.0.0.10:/srv/da-shared",
         "fstype": "nfs4",
         "options": "rw,relatime,vers=4.1,rsize=1048576,wsize=1048576,namlen=255,hard,proto=tcp,timeo=600,retrans=2,sec=sys,clientaddr=10.0.0.11,local_lock=none,addr=10.0.0.10"
      }
   ]
}
`;
    const [mount] = parseFindmntJson(stdout);
    expect(mount).toMatchObject({
      target: '/DASharedRepo',
      source: '10.0.0.10:/srv/da-shared',
      fstype: 'nfs4',
    });
    expect(mount.options).toContain('vers=4.1');
    expect(mount.options).toHaveLength(14);
  });

  it('flattens a tree and reads nothing from empty output', () => {
    const tree = JSON.stringify({
      filesystems: [
        {
          target: '/',
          source: '/dev/vda',
          fstype: 'ext4',
          options: 'rw',
          children: [{ target: '/x', source: 's:/x', fstype: 'nfs4', options: 'rw' }],
        },
      ],
    });
    expect(parseFindmntJson(tree).map((m) => m.target)).toEqual(['/', '/x']);
    expect(parseFindmntJson('')).toEqual([]);
  });
});

describe('parseExportfsVerbose', () => {
  it('reads short paths on one line and long ones with the client on the next', () => {
    const stdout =
      '/srv/nfs      \t192.168.1.0/24(sync,wdelay,hide,no_subtree_check,sec=sys,rw,secure,root_squash,no_all_squash)\n/srv/da-shared-longer\n\t\t10.0.0.11(sync,wdelay,hide,no_subtree_check,sec=sys,rw,secure,root_squash,no_all_squash)\n/srv/world    \t<world>(sync,wdelay,hide,no_subtree_check,sec=sys,ro,secure,root_squash,no_all_squash)\n';
    expect(parseExportfsVerbose(stdout).map((e) => [e.path, e.client, e.options.length])).toEqual([
      ['/srv/nfs', '192.168.1.0/24', 9],
      ['/srv/da-shared-longer', '10.0.0.11', 9],
      ['/srv/world', '<world>', 9],
    ]);
  });

  it('reads octal escapes in a path and clients listed without options', () => {
    expect(parseExportfsVerbose('/srv/a\\040b   \t10.0.0.11\n')).toEqual([
      { path: '/srv/a b', client: '10.0.0.11', options: [] },
    ]);
  });
});

describe('getent lines', () => {
  it('reads passwd and group entries', () => {
    expect(
      parsePasswdLine('postgres:x:4500:4500:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash\n'),
    ).toEqual({ name: 'postgres', uid: 4500, gid: 4500 });
    expect(parseGroupLine('dauser:x:4500:alice,bob')).toEqual({ name: 'dauser', gid: 4500 });
    expect(parsePasswdLine('')).toBeUndefined();
    expect(parseGroupLine('')).toBeUndefined();
  });
});

describe('findExportsOf', () => {
  const dump = [
    '==> /etc/exports <==',
    '# /etc/exports: the access control list for filesystems which may be exported',
    '/srv/homes       hostname1(rw,sync,no_subtree_check) hostname2(ro,sync,no_subtree_check)',
    '/srv/da-shared   10.0.0.99(rw) \\',
    '                 10.0.0.98(rw)',
    '"/srv/da-shared/" *(ro)  # quoted, with a trailing slash',
    '',
    '==> /etc/exports.d/cdktf-failover-srv-da-shared.exports <==',
    '# Managed by cdktf-failover',
    '/srv/da-shared 10.0.0.11(rw)',
    '',
  ].join('\n');

  it('finds every entry of the path with its file and starting line, continuation lines joined', () => {
    expect(findExportsOf(dump, '/srv/da-shared').map((h) => [h.file, h.lineNumber, h.line])).toEqual([
      ['/etc/exports', 3, '/srv/da-shared 10.0.0.99(rw) 10.0.0.98(rw)'],
      ['/etc/exports', 5, '"/srv/da-shared/" *(ro)'],
      ['/etc/exports.d/cdktf-failover-srv-da-shared.exports', 2, '/srv/da-shared 10.0.0.11(rw)'],
    ]);
    expect(findExportsOf(dump, '/srv/homes')).toHaveLength(1);
    expect(findExportsOf(dump, '/srv')).toEqual([]);
  });
});

describe('findFstabEntries', () => {
  it('finds the mount point in the second field, skipping comments', () => {
    const fstab =
      '# <file system> <mount point> <type> <options> <dump> <pass>\nUUID=1234 / ext4 errors=remount-ro 0 1\n#10.0.0.10:/old /DASharedRepo nfs4 defaults 0 0\n10.0.0.10:/srv/da-shared\t/DASharedRepo/\tnfs4\tvers=4.1,hard 0 0\n/dev/sdb1 /DASharedRepo2 xfs defaults 0 0\n';
    expect(findFstabEntries(fstab, '/DASharedRepo')).toEqual([
      { lineNumber: 4, source: '10.0.0.10:/srv/da-shared', fstype: 'nfs4' },
    ]);
  });
});

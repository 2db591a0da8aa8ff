"""Unit tests of the NFS emulator's logic (run by test/unit/lab-emulators.test.ts); e2e tests run it on lab hosts."""
import contextlib
import io
import os
import unittest

import labemu

from nfslab import client, exports, fabric, findmnt, server

HERE = os.path.dirname(os.path.abspath(__file__))
# An etab line's flags between sync/async and the IDs, when nothing changes them.
ETAB_MIDDLE = 'wdelay,hide,nocrossmnt,secure,root_squash,no_all_squash,no_subtree_check,secure_locks,acl,no_pnfs'
ETAB_IDS = 'anonuid=65534,anongid=65534'
VERBOSE_DEFAULT = 'sync,wdelay,hide,no_subtree_check,sec=sys,%s,secure,root_squash,no_all_squash'


def parse(content, file='/etc/exports'):
    errors = []
    entries = exports.parse_exports_file(file, content, errors)
    return [(e.path, e.client, exports.etab_options(e.flags)) for e in entries], errors


def export(path, client_spec='*', options=''):
    flags = exports.Flags()
    for option in filter(None, options.split(',')):
        assert exports.apply_option(flags, option) is None, option
    return exports.Export(path, client_spec, flags)


class ExportsFileTest(unittest.TestCase):
    def test_reads_comments_continuation_lines_quoted_paths_and_default_options(self):
        entries, errors = parse(
            '# the shares\n'
            '/srv/a 198.18.0.14(rw,sync) \\\n'
            '   *.lab(no_root_squash)   # a comment\n'
            '"/srv/my share" -rw,async h1(fsid=7,anonuid=1000,sec=krb5p:sys) h2(ro)\n'
            '/srv/odd\\040name\t(insecure_locks)\n'
        )
        self.assertEqual(errors, [])
        self.assertEqual(
            entries,
            [
                ('/srv/a', '198.18.0.14', 'rw,sync,%s,%s,sec=sys' % (ETAB_MIDDLE, ETAB_IDS)),
                ('/srv/a', '*.lab', 'ro,sync,%s,%s,sec=sys' % (ETAB_MIDDLE.replace(',root', ',no_root'), ETAB_IDS)),
                ('/srv/my share', 'h1', 'rw,async,%s,fsid=7,anonuid=1000,anongid=65534,sec=krb5p:sys' % ETAB_MIDDLE),
                ('/srv/my share', 'h2', 'ro,async,%s,%s,sec=sys' % (ETAB_MIDDLE, ETAB_IDS)),
                ('/srv/odd name', '*', 'ro,sync,wdelay,hide,nocrossmnt,secure,root_squash,no_all_squash,no_subtree_check,'
                 'insecure_locks,acl,no_pnfs,anonuid=65534,anongid=65534,sec=sys'),
            ],
        )

    def test_reports_errors_as_exportfs_does_naming_the_line_an_entry_starts_on(self):
        entries, errors = parse(
            '/srv/a\n'
            '/srv/b -ro\n'
            '/srv/c h(rw) \\\n'
            '  h1(ro) \\\n'
            '  h2(frobnicate)\n'
            '/srv/d h(rw)x\n'
            '/srv/e h(anonuid=abc)\n',
            '/etc/exports.d/x.exports',
        )
        self.assertEqual(
            [(path, spec) for path, spec, _ in entries],
            [('/srv/a', '*'), ('/srv/b', '*'), ('/srv/c', 'h'), ('/srv/c', 'h1')],
        )
        self.assertEqual(
            errors,
            [
                'exportfs: No host name given with /srv/a (ro,sync,no_subtree_check),'
                ' suggest *(ro,sync,no_subtree_check) to avoid warning',
                'exportfs: No host name given with /srv/b (ro), suggest *(ro) to avoid warning',
                'exportfs: /etc/exports.d/x.exports:3: unknown keyword "frobnicate"',
                'exportfs: /etc/exports.d/x.exports:6: syntax error: bad option list',
                'exportfs: /etc/exports.d/x.exports:7: unknown keyword "anonuid=abc"',
            ],
        )

    def test_white_space_is_the_emulator_s_own_set(self):
        # A no-break space separates fields and a CR ends no comment; a file separator is part of a name.
        entries, _ = parse('/srv/a\xa0h1(rw)\n/srv/b h2(rw) # note\r\n/srv/c\x1ch3(rw)\n/srv/d\x1c\n')
        self.assertEqual(
            [(path, spec) for path, spec, _ in entries],
            [('/srv/a', 'h1'), ('/srv/b', 'h2'), ('/srv/b', '#'), ('/srv/b', 'note'), ('/srv/c\x1ch3(rw)', '*'),
             ('/srv/d\x1c', '*')],
        )


class EtabTest(unittest.TestCase):
    def test_writes_every_flag_and_escapes_white_space_in_paths(self):
        table = [export('/srv/da shared', '198.18.0.14', 'rw,sync,no_subtree_check,root_squash,sec=sys')]
        self.assertEqual(
            exports.render_etab(table),
            '/srv/da\\040shared\t198.18.0.14(rw,sync,%s,%s,sec=sys)\n' % (ETAB_MIDDLE, ETAB_IDS),
        )

    def test_reads_back_what_it_wrote(self):
        table = [export('/srv/a\tb', 'h1', 'rw,fsid=3,anongid=7'), export('/srv/c', '*', 'async,crossmnt,all_squash')]
        again = exports.parse_etab(exports.render_etab(table))
        self.assertEqual([(e.path, e.client, e.flags) for e in again], [(e.path, e.client, e.flags) for e in table])

    def test_a_line_without_a_client_is_not_an_export(self):
        self.assertEqual([e.client for e in exports.parse_etab('/srv/x\n/srv/y\th(rw)\n')], ['h'])


class ExportfsListingTest(unittest.TestCase):
    def test_verbose_lists_options_in_the_nfs_utils_order(self):
        table = [export('/srv/da-shared', '198.18.0.14', 'rw,sync,no_subtree_check,root_squash,sec=sys')]
        self.assertEqual(exports.listing(table, True), '/srv/da-shared\t198.18.0.14(%s)\n' % (VERBOSE_DEFAULT % 'rw'))
        options = 'async,no_wdelay,nohide,crossmnt,insecure_locks,fsid=1,anonuid=5,insecure,all_squash'
        self.assertEqual(
            exports.verbose_options(export('/x', options=options).flags),
            'async,no_wdelay,nohide,crossmnt,no_subtree_check,insecure_locks,fsid=1,anonuid=5,sec=sys,ro,insecure,'
            'root_squash,all_squash',
        )

    def test_a_path_longer_than_14_characters_puts_the_client_on_the_next_line(self):
        table = [export('/srv/abcdefghi'), export('/srv/abcdefghij', 'h'), export('/s', '10.0.0.0/8')]
        self.assertEqual(
            exports.listing(table, False),
            '/srv/abcdefghi\t<world>\n/srv/abcdefghij\n\t\th\n/s            \t10.0.0.0/8\n',
        )
        # Lengths count UTF-16 units: five emoji are ten.
        self.assertEqual(exports.listing([export('/srv/😀😀😀😀😀')], False), '/srv/😀😀😀😀😀\n\t\t<world>\n')

    def test_export_format_escapes_paths(self):
        self.assertEqual(
            exports.export_format([export('/srv/a b', 'h', 'rw')]),
            '/srv/a\\040b h(%s)\n' % (VERBOSE_DEFAULT % 'rw'),
        )


class NfsdVersionsTest(unittest.TestCase):
    def test_only_the_nfsd_section_counts(self):
        self.assertEqual(server.nfsd_versions(''), '-2 +3 +4 +4.1 +4.2')
        conf = '[general]\nvers3=n\n[nfsd]\n# vers4=n\nvers3 = n\n'
        self.assertEqual(server.nfsd_versions(conf), '-2 -3 +4 +4.1 +4.2')
        conf = '[ NFSD ]\nvers4.1=No  # off\nvers4.2 = YES\nvers4.0=n\nvers2=y\n[other]\nvers4=n\n'
        self.assertEqual(server.nfsd_versions(conf), '-2 +3 +4 -4.1 +4.2')


class MountOptionsTest(unittest.TestCase):
    def test_reads_types_options_and_operands(self):
        p = client.parse_mount_args(['-t', 'nfs4', '-o', 'vers=4.1,hard', '-oproto=tcp,', '-v', 'h:/srv', '/mnt'])
        self.assertEqual(
            (p.type, p.options, p.positional, p.verbose, p.other),
            ('nfs4', ['vers=4.1', 'hard', 'proto=tcp'], ['h:/srv', '/mnt'], True, False),
        )
        p = client.parse_mount_args(['-tnfs', '--bind', '--', '-odd', 'x'])
        self.assertEqual((p.type, p.options, p.positional, p.other), ('nfs', [], ['-odd', 'x'], True))
        with self.assertRaises(SystemExit) as exit_, contextlib.redirect_stderr(io.StringIO()) as stderr:
            client.parse_mount_args(['h:/x', '/m', '-o'])
        self.assertEqual((exit_.exception.code, stderr.getvalue()), (1, "mount: option requires an argument -- 'o'\n"))

    def test_normalises_the_requested_version(self):
        self.assertEqual(client.requested_version([], 'nfs4'), '4.2')
        self.assertEqual(client.requested_version(['vers=4'], None), '4.2')
        self.assertEqual(client.requested_version(['nfsvers=3', 'vers=4.1'], 'nfs'), '4.1')
        self.assertEqual(client.requested_version(['vers=2'], 'nfs'), '2')
        self.assertIsNone(client.requested_version(['vers=3'], 'nfs4'))
        self.assertIsNone(client.requested_version(['vers=4.3'], 'nfs'))

    def test_lists_the_options_as_the_kernel_does(self):
        self.assertEqual(
            client.kernel_options(['vers=4.1', 'hard', 'proto=tcp', '_netdev'], '4.1', '198.18.0.14', 'server', False),
            'rw,relatime,vers=4.1,rsize=1048576,wsize=1048576,namlen=255,hard,proto=tcp,timeo=600,retrans=2,sec=sys,'
            'clientaddr=198.18.0.14,local_lock=none,addr=server',
        )
        requested = ['noatime', 'soft', 'nolock', 'udp', 'rsize=65536', 'acregmin=3', 'port=2049']
        self.assertEqual(
            client.kernel_options(requested, '3', 'c', 's', True),
            'ro,noatime,vers=3,rsize=65536,wsize=1048576,namlen=255,acregmin=3,soft,nolock,proto=udp,port=2049,'
            'timeo=600,retrans=2,sec=sys,local_lock=all,addr=s',
        )
        options = client.kernel_options(['local_lock=all', 'clientaddr=10.1.1.1'], '4.2', 'c', 's', False)
        self.assertIn(',clientaddr=10.1.1.1,local_lock=all,', options)

    def test_splits_the_source_into_server_and_path(self):
        self.assertEqual(client.split_source('nfs-share:/srv/nas'), ('nfs-share', '/srv/nas'))
        self.assertEqual(client.split_source('[fd00::1]:/srv'), ('fd00::1', '/srv'))
        self.assertIsNone(client.split_source('nfs-share:srv'))
        self.assertIsNone(client.split_source('/srv/nas'))

    def test_records_mounts_with_their_keys_in_order(self):
        entry = {'target': '/m', 'source': 'h:/x', 'fstype': 'nfs4', 'options': 'rw'}
        self.assertEqual(
            client.render_mounts([entry]),
            '[\n  {\n    "target": "/m",\n    "source": "h:/x",\n    "fstype": "nfs4",\n    "options": "rw"\n  }\n]\n',
        )
        self.assertEqual(client.render_mounts([]), '[]\n')


MOUNTS = [
    {'target': '/mnt/share', 'source': '198.18.0.13:/srv/da-shared', 'fstype': 'nfs4', 'options': 'rw,vers=4.1'},
    {'target': '/mnt/share/inner', 'source': 'h:/x', 'fstype': 'nfs', 'options': 'rw,vers=3'},
]


class FindmntTest(unittest.TestCase):
    def select(self, *args):
        return findmnt.select(findmnt.parse_args(list(args)), MOUNTS)

    def test_answers_by_mount_point_path_and_type_and_leaves_the_rest_to_the_real_command(self):
        self.assertEqual(self.select('--mountpoint', '/mnt/share/'), [MOUNTS[0]])
        self.assertEqual(self.select('-T', '/mnt/share/inner/deep'), [MOUNTS[1]])
        self.assertEqual(self.select('-t', 'nfs,nfs4'), MOUNTS)
        self.assertEqual(self.select('-M', '/mnt/share', '-t', 'nfs'), [])
        self.assertIsNone(self.select('-M', '/mnt'))
        self.assertIsNone(self.select('-t', 'ext4'))
        self.assertIsNone(self.select())
        self.assertIsNone(findmnt.parse_args(['-M', '/mnt/share', '--poll']))

    def test_prints_columns_and_json(self):
        q = findmnt.parse_args(['--output=target,fstype,bogus', '-t', 'nfs4'])
        self.assertEqual(
            findmnt.render(q, MOUNTS),
            'TARGET           FSTYPE BOGUS\n/mnt/share       nfs4   \n/mnt/share/inner nfs    \n',
        )
        q = findmnt.parse_args(['-n', '-o', 'TARGET,SOURCE', '-t', 'nfs4'])
        self.assertEqual(findmnt.render(q, [dict(MOUNTS[1], target='/mnt/😀')]), '/mnt/😀 h:/x\n')
        q = findmnt.parse_args(['-J', '-o', 'TARGET,FSTYPE', '-t', 'nfs4'])
        self.assertEqual(
            findmnt.render(q, MOUNTS[:1]),
            '{\n   "filesystems": [\n      {\n         "target": "/mnt/share",\n         "fstype": "nfs4"\n'
            '      }\n   ]\n}\n',
        )


class ExportMatchingTest(unittest.TestCase):
    def test_client_forms(self):
        cases = [
            ('*', True), ('198.18.0.14', True), ('lab-d', True), ('198.18.0.0/24', True), ('198.18.1.0/24', False),
            ('0.0.0.0/0', True), ('198.18.0.14/32', True), ('198.18.0.15/32', False), ('198.18.0.15/31', True),
            # A prefix over 32 wraps as a 32-bit shift does: /33 is /1.
            ('128.0.0.0/33', True), ('1.0.0.0/33', False), ('lab-*', True), ('lab-?', True), ('lab-??', False),
            ('l?b-[de]', True), ('lab.d', False), ('*.lab', False), ('lab-e', False), ('10.0.0.0/8', False),
        ]
        self.assertEqual([(spec, exports.client_matches(spec, '198.18.0.14', 'lab-d')) for spec, _ in cases], cases)

    def test_a_mount_comes_under_the_first_export_that_covers_its_path_and_admits_the_client(self):
        table = [export('/srv', '10.0.0.0/8'), export('/srv/share/', 'lab-?', 'rw'), export('/srv/share', '*', 'ro')]
        self.assertIs(exports.find_export(table, '/srv/share/sub', '198.18.0.14', 'lab-d'), table[1])
        self.assertIs(exports.find_export(table, '/srv/share', '198.18.0.14', 'lab-xy'), table[2])
        self.assertIsNone(exports.find_export(table, '/srv/shared', '198.18.0.14', 'lab-d'))
        self.assertIsNone(exports.find_export(table, '/srv', '198.18.0.14', 'lab-d'))


class OwnAddressTest(unittest.TestCase):
    def test_is_eth0_s_slash_24_address_not_a_virtual_ip_beside_it(self):
        addresses = [
            ('lo', '127.0.0.1', '255.0.0.0'),
            ('eth0', '198.18.0.200', '255.255.255.255'),
            ('eth1', '10.0.0.1', '255.255.255.0'),
            ('eth0', '198.18.0.13', '255.255.255.0'),
            ('eth0', '198.18.0.201', '255.255.255.0'),
        ]
        self.assertEqual(fabric.primary_address(addresses), '198.18.0.13')
        self.assertEqual(fabric.primary_address(addresses[:3]), '127.0.0.1')

    def test_reads_the_kernel_s_interface_addresses(self):
        if not int(labemu.read('/sys/class/net/lo/flags', '0x0'), 16) & fabric.IFF_UP:
            self.skipTest('loopback is down here')
        self.assertIn(('lo', '127.0.0.1', '255.0.0.0'), fabric.interface_addresses())


class CommandNamesTest(unittest.TestCase):
    def test_acts_on_the_name_it_is_called_by(self):
        entry = labemu.load_script(os.path.join(HERE, 'nfs-lab.py'), 'nfs_lab')
        self.assertEqual(sorted(entry.COMMANDS), ['exportfs', 'findmnt', 'mount', 'systemctl', 'umount'])
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr), self.assertRaises(SystemExit) as exit_:
            entry.main(['/lab/bin/nfs', 'x'])
        self.assertEqual((exit_.exception.code, stderr.getvalue()), (2, 'nfs-lab: unknown command name nfs\n'))


if __name__ == '__main__':
    unittest.main()

"""
Unit tests of the DA's status wordings (each answer of status-variants.ts), its karaf.log and its
shared directory check, run by test/unit/lab-emulators.test.ts.
"""
import os
import re
import tempfile
import unittest

from netops import dadaemon, state

SYSTEMD_HEAD = ('* dadaemon.service - CA Data Aggregator\n'
                '   Loaded: loaded (/etc/systemd/system/dadaemon.service; enabled; vendor preset: disabled)\n')
SYSTEMD_DEAD = (SYSTEMD_HEAD + '   Active: inactive (dead)\n', 3)

# The answers of status-variants.ts, by format and state (None: the DA does not run), for pid 4242.
EXPECTED = {
    'line': {
        'Active': ('Data Aggregator status: Active\n', 0),
        'Inactive': ('Data Aggregator status: Inactive\n', 0),
        'Maintenance': ('Data Aggregator status: Maintenance\n', 0),
        'Failed': ('Data Aggregator status: Failed\n', 0),
        None: ('Data Aggregator is not running\n', 3),
    },
    'word': {
        'Active': ('Active\n', 0),
        'Inactive': ('Inactive\n', 0),
        'Maintenance': ('Maintenance\n', 0),
        'Failed': ('Failed\n', 0),
        None: ('Data Aggregator is not running\n', 3),
    },
    'systemd': {
        'Active': (SYSTEMD_HEAD + '   Active: active (running)\n Main PID: 4242 (java)\n', 0),
        'Inactive': SYSTEMD_DEAD,
        'Maintenance': SYSTEMD_DEAD,
        'Failed': SYSTEMD_DEAD,
        None: SYSTEMD_DEAD,
    },
    'empty': {'Active': ('', 0), 'Inactive': ('', 0), 'Maintenance': ('', 0), 'Failed': ('', 0), None: ('', 3)},
}


def temporary_directory(test):
    directory = tempfile.TemporaryDirectory()
    test.addCleanup(directory.cleanup)
    return directory.name


class StatusTextTest(unittest.TestCase):
    def test_every_format_and_state_answers_as_status_variants_says(self):
        self.assertEqual(set(EXPECTED), set(dadaemon.DA_STATUS_FORMATS))
        for fmt, answers in EXPECTED.items():
            for da_state, expected in answers.items():
                self.assertEqual(dadaemon.da_status_text(fmt, da_state, 4242), expected, (fmt, da_state))

    def test_a_forced_or_passing_state_is_printed_as_given(self):
        self.assertEqual(dadaemon.da_status_text('line', 'Starting', None), ('Data Aggregator status: Starting\n', 0))
        self.assertEqual(dadaemon.da_status_text('systemd', 'Active', None)[0].splitlines()[-1], ' Main PID: 0 (java)')


class StatusFormatKnobTest(unittest.TestCase):
    def setUp(self):
        self.saved = state.KNOBS
        state.KNOBS = temporary_directory(self)

    def tearDown(self):
        state.KNOBS = self.saved

    def knob(self, text):
        with open(os.path.join(state.KNOBS, 'da-status-format'), 'w') as f:
            f.write(text)

    def test_the_knob_chooses_the_wording_and_anything_unknown_is_the_default_line(self):
        self.assertEqual(dadaemon.da_status_format(), 'line')
        self.knob('systemd\n')
        self.assertEqual(dadaemon.da_status_format(), 'systemd')
        self.knob('Word')
        self.assertEqual(dadaemon.da_status_format(), 'line')


class KarafLogTest(unittest.TestCase):
    def setUp(self):
        self.dir = temporary_directory(self)
        self.log = dadaemon.karaf_log_path(self.dir)

    def read(self, path):
        with open(path) as f:
            return f.read()

    def test_lines_in_karafs_layout(self):
        dadaemon.karaf_log(self.dir, dadaemon.READY_MESSAGE, logger='RequestProcessor')
        dadaemon.karaf_log(self.dir, 'Data Aggregator status: Failed (gone)', level='WARN')
        self.assertEqual(self.log, self.dir + '/apache-karaf-4.4.3/data/log/karaf.log')
        first, second = self.read(self.log).splitlines()
        stamp = r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d,\d{3}'
        self.assertRegex(first, '^%s \\| INFO  \\| FelixStartLevel  \\| RequestProcessor {14} \\| %s$'
                         % (stamp, re.escape(dadaemon.READY_MESSAGE)))
        self.assertRegex(second, '^%s \\| WARN  \\| FelixStartLevel  \\| DataAggregator {16} \\| '
                         'Data Aggregator status: Failed \\(gone\\)$' % stamp)

    def test_rotation_shifts_the_old_files_and_keeps_five(self):
        dadaemon.rotate_karaf_log(self.dir)
        self.assertFalse(os.path.exists(self.log))
        for n in range(7):
            dadaemon.karaf_log(self.dir, 'start %d' % n)
            dadaemon.rotate_karaf_log(self.dir)
        self.assertEqual(self.read(self.log), '')
        names = sorted(os.listdir(os.path.dirname(self.log)))
        self.assertEqual(names, ['karaf.log'] + ['karaf.log.%d' % i for i in range(1, 6)])
        self.assertIn('| start 6', self.read(self.log + '.1'))
        self.assertIn('| start 2', self.read(self.log + '.5'))


class SharedDirectoryTest(unittest.TestCase):
    def test_usable_only_when_configured_present_and_writable(self):
        shared = temporary_directory(self)
        self.assertEqual(dadaemon.shared_usable(shared), (True, ''))
        self.assertTrue(os.path.exists(os.path.join(shared, dadaemon.DA_LOCK)))
        self.assertEqual(dadaemon.shared_usable(''), (False, 'no shared directory is configured'))
        self.assertEqual(dadaemon.shared_usable(shared + '/gone'),
                         (False, 'the shared directory %s/gone does not exist' % shared))


if __name__ == '__main__':
    unittest.main()

"""
Unit tests of the installer's command line and of the answers it refuses, run by
test/unit/lab-emulators.test.ts.
"""
import unittest

from netops.installer import answer_problems, installer_args

AGGREGATOR = {
    'USER_INSTALL_DIR': '/opt/IMDataAggregator', 'LAB_SHARED_DIR': '/mnt/da', 'LAB_PROXY_HOST': 'lab-a',
    'LAB_DB_HOST': 'lab-d', 'LAB_DB_PORT': '5433', 'LAB_DB_USER': 'dradmin', 'LAB_DB_PASSWORD': 'secret',
}


class InstallerArgsTest(unittest.TestCase):
    def test_silent_with_a_response_file_in_either_order(self):
        self.assertEqual(installer_args('installDA.bin', ['-i', 'silent', '-f', 'r.properties']), 'r.properties')
        self.assertEqual(installer_args('installDA.bin', ['-f', '/tmp/r', '-i', 'SILENT']), '/tmp/r')

    def test_anything_else_is_refused(self):
        for argv in ([], ['-i', 'silent'], ['-f', 'r'], ['-i', 'console', '-f', 'r'], ['-i', 'silent', '-f'],
                     ['-i', 'silent', '-i', 'silent', '-f', 'r'], ['-i', 'silent', '-f', ''],
                     ['-r', 'x', '-i', 'silent', '-f', 'r'], ['-i', 'silent', '-f', 'r', 'extra']):
            self.assertIsNone(installer_args('installDA.bin', argv), argv)


class AnswerProblemsTest(unittest.TestCase):
    def test_a_complete_first_install_has_none(self):
        self.assertEqual(answer_problems('aggregator', AGGREGATOR, False, '', None), [])

    def test_each_missing_or_blank_key_of_a_first_install_in_the_order_asked(self):
        props = dict(AGGREGATOR, LAB_DB_PASSWORD='  ')
        del props['LAB_PROXY_HOST']
        self.assertEqual(answer_problems('aggregator', props, False, '', None), [
            'required property LAB_PROXY_HOST is missing', 'required property LAB_DB_PASSWORD is empty'])

    def test_an_upgrade_asks_the_install_directory_only(self):
        self.assertEqual(answer_problems('aggregator', {'USER_INSTALL_DIR': '/opt/IMDataAggregator',
                                                        'LAB_DB_PORT': 'not a port'}, True, 'aggregator', None), [])
        self.assertEqual(answer_problems('collector', {}, True, '', None),
                         ['required property USER_INSTALL_DIR is missing'])

    def test_a_relative_directory_another_component_there_or_installed_elsewhere(self):
        props = {'USER_INSTALL_DIR': 'opt/CA'}
        self.assertEqual(answer_problems('portal', props, False, 'collector', {'dir': '/opt/CA'}), [
            'USER_INSTALL_DIR must be an absolute path, got opt/CA',
            'opt/CA already holds the Data Collector, not the NetOps Portal',
            'the NetOps Portal is already installed in /opt/CA'])
        self.assertEqual(answer_problems('portal', {'USER_INSTALL_DIR': '/opt/CA'}, False, '', {'dir': '/opt/CA'}), [])

    def test_the_database_port_is_a_port_number(self):
        for port, fine in (('5433', True), ('65535', True), ('0', False), ('65536', False), ('54x', False)):
            problems = answer_problems('aggregator', dict(AGGREGATOR, LAB_DB_PORT=port), False, '', None)
            self.assertEqual(problems, [] if fine else ['property LAB_DB_PORT is not a port number: %s' % port])


if __name__ == '__main__':
    unittest.main()

"""
Unit tests of the data repository's answers and of vsql's command line and tables, run by
test/unit/lab-emulators.test.ts.
"""
import unittest

from netops.repository import format_table, repository_answer, vsql_options

CONFIG = {'port': 5433, 'user': 'dradmin', 'password': 'secret'}


def ask(sql, user='dradmin', password='secret'):
    return repository_answer(CONFIG, {'user': user, 'password': password, 'sql': sql})


class RepositoryAnswerTest(unittest.TestCase):
    def test_wrong_credentials_are_refused(self):
        refused = {'ok': False, 'error': 'FATAL: Invalid username or password'}
        self.assertEqual(ask('SELECT 1', password='secret '), refused)
        self.assertEqual(ask('SELECT 1', user='dbadmin'), refused)
        self.assertEqual(repository_answer(CONFIG, {}), refused)

    def test_select_a_number_and_the_version(self):
        self.assertEqual(ask(' select  -12 ;'), {'ok': True, 'columns': ['?column?'], 'rows': [[-12]]})
        self.assertEqual(ask('SELECT version ( );'),
                         {'ok': True, 'columns': ['version'], 'rows': [['Vertica Analytic Database v12.0.4-0']]})

    def test_any_other_statement_gives_one_ok_row(self):
        self.assertEqual(ask('SELECT 1 + 1'), {'ok': True, 'columns': ['result'], 'rows': [['OK']]})


class FormatTableTest(unittest.TestCase):
    def test_aligned_numbers_right_and_text_left_with_a_row_count(self):
        self.assertEqual(format_table(['?column?'], [[1]], False, False),
                         ' ?column? \n----------\n        1\n(1 row)\n\n')
        self.assertEqual(format_table(['name', 'n'], [['lab-b', 10], ['c', 7]], False, False),
                         '  name | n  \n-------+----\n lab-b | 10\n c     |  7\n(2 rows)\n\n')

    def test_tuples_only_and_unaligned(self):
        self.assertEqual(format_table(['?column?'], [[1]], True, False), '        1\n\n')
        self.assertEqual(format_table(['?column?'], [[1]], False, True), '?column?\n1\n(1 row)\n')
        self.assertEqual(format_table(['a', 'b'], [['x', 2]], True, True), 'x|2\n')


class VsqlOptionsTest(unittest.TestCase):
    def test_defaults_from_the_environment(self):
        options, flags = vsql_options(['-c', 'SELECT 1'], {'USER': 'root'})
        self.assertEqual(options, {'-h': 'localhost', '-p': '5433', '-U': 'root', '-d': '', '-c': 'SELECT 1',
                                   '-w': None})
        self.assertEqual(flags, set())
        self.assertEqual(vsql_options([], {})[0]['-U'], 'dbadmin')

    def test_separate_and_joined_values_and_the_flags(self):
        options, flags = vsql_options(['-hlab-d', '-p', '5444', '-Udradmin', '-w', 'pw', '-d', 'drdata', '-At',
                                       '-X', '-q', '-c', 'SELECT 1'], {})
        self.assertEqual((options['-h'], options['-p'], options['-U'], options['-w'], options['-d']),
                         ('lab-d', '5444', 'dradmin', 'pw', 'drdata'))
        self.assertEqual(flags, {'A', 't', 'X', 'q'})

    def test_an_unknown_option_or_a_missing_value_is_named(self):
        for argv, bad in ((['-c', 'x', '--help'], '--help'), (['-x'], '-x'), (['-c'], '-c')):
            with self.assertRaises(ValueError) as raised:
                vsql_options(argv, {})
            self.assertEqual(str(raised.exception), bad)


if __name__ == '__main__':
    unittest.main()

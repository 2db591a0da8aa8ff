"""Unit tests of the response files' reading (java.util.Properties.load), run by test/unit/lab-emulators.test.ts."""
import unittest

from netops.properties import parse_properties


class ParsePropertiesTest(unittest.TestCase):
    def test_comments_blank_lines_and_the_three_separators(self):
        text = ('# a comment\n! another\n\n   \n'
                'USER_INSTALL_DIR=/opt/IMDataAggregator\nLAB_DB_HOST : db1\nLAB_DB_USER dradmin\n')
        self.assertEqual(parse_properties(text), {
            'USER_INSTALL_DIR': '/opt/IMDataAggregator', 'LAB_DB_HOST': 'db1', 'LAB_DB_USER': 'dradmin'})

    def test_a_key_alone_has_an_empty_value_and_a_second_separator_belongs_to_the_value(self):
        self.assertEqual(parse_properties('alone\nkey = = v\nk2:=x\n'), {'alone': '', 'key': '= v', 'k2': '=x'})

    def test_trailing_white_space_of_a_value_is_kept(self):
        self.assertEqual(parse_properties('LAB_DB_PASSWORD=secret \n')['LAB_DB_PASSWORD'], 'secret ')

    def test_escapes_in_keys_and_values(self):
        props = parse_properties('a\\=b\\:c\\ d=\\t\\n\\r\\f\\\\ \\u00e9 \\#\n')
        self.assertEqual(props, {'a=b:c d': '\t\n\r\f\\ \u00e9 #'})

    def test_a_surrogate_pair_becomes_one_character_as_in_java_strings(self):
        self.assertEqual(parse_properties('smile=\\uD83D\\uDE00')['smile'], '\U0001F600')

    def test_continuation_lines_drop_the_next_lines_leading_white_space(self):
        text = 'LAB_SHARED_DIR = /mnt/\\\n     shared\\\n\tda\nnext=1\n'
        self.assertEqual(parse_properties(text), {'LAB_SHARED_DIR': '/mnt/sharedda', 'next': '1'})

    def test_an_even_number_of_backslashes_does_not_continue(self):
        self.assertEqual(parse_properties('a=x\\\\\nb=y\n'), {'a': 'x\\', 'b': 'y'})

    def test_a_continuation_on_the_last_line_ends_the_value(self):
        self.assertEqual(parse_properties('a=x\\'), {'a': 'x'})

    def test_bytes_are_iso_8859_1_and_every_line_ending_counts(self):
        self.assertEqual(parse_properties(b'a=caf\xe9\r\nb=2\rc=3\n'), {'a': 'caf\u00e9', 'b': '2', 'c': '3'})

    def test_a_later_key_replaces_an_earlier_one(self):
        self.assertEqual(parse_properties('k=1\nk=2\n'), {'k': '2'})

    def test_a_malformed_unicode_escape_is_refused(self):
        with self.assertRaisesRegex(ValueError, 'Malformed'):
            parse_properties('k=\\u12G4\n')


if __name__ == '__main__':
    unittest.main()

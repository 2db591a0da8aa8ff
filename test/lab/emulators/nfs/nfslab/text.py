"""
How the NFS commands trim, split, measure and sort text. The emulator was first written in
JavaScript and these are that language's rules, kept exactly so that every exports file, etab and
output line reads and prints as it always has: its white space (no-break spaces and the byte-order
mark are white space, U+001C to U+001F and U+0085 are not), its `.` in patterns (no line or
paragraph separator either), and lengths and order in UTF-16 units.
"""
import re

WHITE_SPACE = (
    '\t\n\x0b\x0c\r \xa0\u1680' + ''.join(map(chr, range(0x2000, 0x200B))) + '\u2028\u2029\u202f\u205f\u3000\ufeff'
)

# Pattern pieces: a white space character, any other one, and `.`.
SPACE = '[\\t\\n\\x0b\\x0c\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]'
NON_SPACE = '[^' + SPACE[1:]
DOT = '[^\\n\\r\\u2028\\u2029]'

_SPACES = re.compile(SPACE + '+')


def trim(text):
    return text.strip(WHITE_SPACE)


def split_spaces(text):
    """Split on runs of white space; text that starts with one gives an empty first field."""
    return _SPACES.split(text)


def length(text):
    """The length a line is padded and measured by: UTF-16 units (a character beyond U+FFFF counts two)."""
    return len(text.encode('utf-16-le', 'surrogatepass')) // 2


def pad_end(text, width):
    return text + ' ' * (width - length(text))


def sort_key(text):
    """Order by UTF-16 units, as file names in /etc/exports.d have always been ordered."""
    return text.encode('utf-16-be', 'surrogatepass')

"""
Response files as InstallAnywhere reads them: java.util.Properties.load(InputStream), that is
ISO-8859-1 text, `#` and `!` comments, `=`, `:` or white space between key and value, backslash
escapes including \\uXXXX, and continuation lines. `netops-lab parse-properties FILE` prints what
it reads (for tests).
"""
import re


def ends_continued(line):
    """An odd number of trailing backslashes continues the logical line."""
    count = len(line) - len(line.rstrip('\\'))
    return count % 2 == 1


def split_key_value(line):
    """Key up to the first unescaped '=', ':' or white space; one separator and white space skipped."""
    n = len(line)
    key_end = value_start = n
    has_separator = False
    backslash = False
    for i, c in enumerate(line):
        if c in '=:' and not backslash:
            key_end, value_start, has_separator = i, i + 1, True
            break
        if c in ' \t\f' and not backslash:
            key_end, value_start = i, i + 1
            break
        backslash = c == '\\' and not backslash
    j = value_start
    while j < n:
        c = line[j]
        if c not in ' \t\f':
            if not has_separator and c in '=:':
                has_separator = True
            else:
                break
        j += 1
    return line[:key_end], line[j:]


def unescape(text):
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        i += 1
        if c != '\\':
            out.append(c)
            continue
        if i >= n:
            break
        c = text[i]
        i += 1
        if c == 'u':
            digits = text[i:i + 4]
            if not re.fullmatch(r'[0-9a-fA-F]{4}', digits):
                raise ValueError('Malformed \\uxxxx encoding.')
            out.append(chr(int(digits, 16)))
            i += 4
        else:
            out.append({'t': '\t', 'r': '\r', 'n': '\n', 'f': '\f'}.get(c, c))
    # \uD83D\uDE00 pairs become one character, as Java's UTF-16 strings hold them.
    return ''.join(out).encode('utf-16-le', 'surrogatepass').decode('utf-16-le', 'surrogatepass')


def parse_properties(data):
    """java.util.Properties.load(InputStream): ISO-8859-1 text, comments, continuations, escapes."""
    text = data.decode('latin-1') if isinstance(data, bytes) else data
    lines = re.split(r'\r\n|\r|\n', text)
    props = {}
    i = 0
    while i < len(lines):
        line = lines[i].lstrip(' \t\f')
        i += 1
        if not line or line[0] in '#!':
            continue
        while ends_continued(line):
            line = line[:-1]
            if i >= len(lines):
                break
            line += lines[i].lstrip(' \t\f')
            i += 1
        key, value = split_key_value(line)
        props[unescape(key)] = unescape(value)
    return props

/**
 * The schemas recognise Tokens without cdktf (the runner bundle stays small), so this test holds
 * their rule to cdktf's own: what Token.isUnresolved calls a Token skips format checks, nothing else.
 */
import fc from 'fast-check';
import { Token } from '../../src/cdktf';
import { isToken } from '../../src/schema/token';

const resolvable = (value: unknown) => ({
  creationStack: [],
  resolve: () => value,
  toString: () => String(value),
});

const realTokens: unknown[] = [
  Token.asString(resolvable('10.0.0.11')),
  `prefix-${Token.asString(resolvable('x'))}-suffix`,
  Token.asNumber(resolvable(22)),
  Token.asList(resolvable(['a'])),
  Token.asNumberList(resolvable([1])),
  Token.asStringMap(resolvable({ a: 'b' })),
  resolvable('x'),
];

const lookalikes: unknown[] = [
  '${TfToken[',
  '/etc/${TfToken[x',
  '${TfToken[]}',
  '${TfToken[TOKEN.1]',
  '${TfToken[TOKEN 1]}',
  '#{TfToken[TOKEN.1]',
  -1e300,
  -Infinity,
  NaN,
  ['#{TfToken['],
  { '&{TfToken[': 'x' },
  { resolve: 'not a function' },
];

describe('isToken agrees with cdktf Token.isUnresolved', () => {
  it.each(realTokens.map((value) => [String(value), value]))('a real Token: %s', (_, value) => {
    expect(Token.isUnresolved(value)).toBe(true);
    expect(isToken(value)).toBe(true);
  });

  it.each(lookalikes.map((value) => [JSON.stringify(value) ?? String(value), value]))(
    'a value that only looks like one: %s',
    (_, value) => {
      expect(Token.isUnresolved(value)).toBe(false);
      expect(isToken(value)).toBe(false);
    },
  );

  it('on generated strings and numbers built from marker fragments', () => {
    const fragment = fc.constantFrom(
      '${',
      '#{',
      '&{',
      'TfToken[',
      'TOKEN',
      '.',
      '1',
      ']',
      '}',
      ' ',
      'x',
      ':',
    );
    const text = fc.array(fragment, { maxLength: 8 }).map((parts) => parts.join(''));
    const value = fc.oneof(text, fc.double(), fc.integer(), fc.array(text, { maxLength: 2 }));
    fc.assert(
      fc.property(value, (v) => isToken(v) === Token.isUnresolved(v)),
      { numRuns: 5_000, seed: 5 },
    );
  });
});

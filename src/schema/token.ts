/**
 * Recognises a cdktf Token (a value another resource produces at apply time) without importing
 * cdktf, so that the same schemas can run inside the bundled runner, which must stay small.
 * Token strings embed the marker `${TfToken[`; Token numbers are very large negative doubles.
 */
const TOKEN_STRING = /\$\{TfToken\[/;
const TOKEN_NUMBER_LIMIT = -1e289;

export function isToken(value: unknown): boolean {
  if (typeof value === 'string') return TOKEN_STRING.test(value);
  if (typeof value === 'number') return value < TOKEN_NUMBER_LIMIT;
  return false;
}

/**
 * Recognises a cdktf Token (a value another resource produces at apply time) without importing
 * cdktf, so that the same schemas can run inside the bundled runner, which must stay small.
 *
 * The rules are cdktf 0.21's `Token.isUnresolved` (tokens/private/encoding.js), restated: a value
 * that merely looks like a marker (`${TfToken[` with no key and no `]}`) is a plain string, and
 * must pass the format checks a Token skips. test/unit/token.test.ts holds the two to agreement.
 */
const VALID_KEY_CHARS = 'a-zA-Z0-9:._-';
const STRING_TOKEN = new RegExp(`\\$\\{TfToken\\[[${VALID_KEY_CHARS}]+\\]\\}`);
const LIST_TOKEN = new RegExp(`#\\{TfToken\\[[${VALID_KEY_CHARS}]+\\]\\}`);
const MAP_TOKEN = new RegExp(`&\\{TfToken\\[[${VALID_KEY_CHARS}]+\\]\\}`);

// A Token number is a NaN-range double whose top 16 bits carry one of these markers.
const DOUBLE_TOKEN_MARKER_BITS = 0xfdff << 16;
const DOUBLE_LIST_TOKEN_MARKER_BITS = 0xfbff << 16;

function isTokenDouble(value: number, list: boolean): boolean {
  const buffer = new ArrayBuffer(8);
  new Float64Array(buffer)[0] = value;
  const high = new Uint32Array(buffer)[1];
  return (high & 0xffff0000) === (list ? DOUBLE_LIST_TOKEN_MARKER_BITS : DOUBLE_TOKEN_MARKER_BITS);
}

export function isToken(value: unknown): boolean {
  if (typeof value === 'string') return STRING_TOKEN.test(value);
  if (typeof value === 'number') return isTokenDouble(value, false);
  if (Array.isArray(value) && value.length === 1) {
    const [only] = value as unknown[];
    return (
      (typeof only === 'string' && LIST_TOKEN.test(only)) ||
      (typeof only === 'number' && isTokenDouble(only, true))
    );
  }
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  if (Object.keys(value).some((key) => MAP_TOKEN.test(key))) return true;
  return typeof value === 'object' && typeof (value as { resolve?: unknown }).resolve === 'function';
}

/** Keys longer than this are shortened in a property path: a path names a place, it does not echo data. */
const KEY_LIMIT = 64;

/** `clients[1].hostKeySha256` from zod's `['clients', 1, 'hostKeySha256']`. */
export function formatPropertyPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => {
      if (typeof key === 'number') return `[${key}]`;
      const name = String(key);
      const shown = name.length > KEY_LIMIT ? `${name.slice(0, KEY_LIMIT - 3)}...` : name;
      return i === 0 ? shown : `.${shown}`;
    })
    .join('');
}

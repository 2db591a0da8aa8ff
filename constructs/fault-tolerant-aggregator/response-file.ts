/**
 * InstallAnywhere response files: Java properties (ISO-8859-1, backslash escapes). Pure; the
 * password is added only on the runner, at apply time, and never returns from here into a spec.
 */
import type { InstallerConfig, InstallerKey } from './props';

/** A value as `java.util.Properties` reads it back unchanged. */
export function escapePropertyValue(value: string): string {
  let out = '';
  for (const [i, ch] of [...value].entries()) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\f') out += '\\f';
    // A leading space would be taken as part of the separator.
    else if (ch === ' ' && i === 0) out += '\\ ';
    else if (code < 0x20 || code > 0x7e) {
      // Outside printable ASCII: \uXXXX, as UTF-16 code units (a surrogate pair for astral characters).
      for (const unit of ch.split('')) out += `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return out;
}

/**
 * The response properties of one installer, in a stable order: the user's own (sorted), then the
 * values this construct owns under the keys the user named (in the order of `owned`).
 */
export function responseProperties(
  installer: Pick<InstallerConfig, 'properties' | 'keys'>,
  owned: Partial<Record<Exclude<InstallerKey, 'databasePassword'>, string>>,
): [string, string][] {
  const own = Object.entries(installer.properties).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const filled = Object.entries(owned).flatMap(([name, value]): [string, string][] => {
    const key = installer.keys[name as InstallerKey];
    return key !== undefined && value !== undefined ? [[key, value]] : [];
  });
  return [...own, ...filled];
}

/** The file's text; the password (when given) last. */
export function renderResponseFile(
  properties: readonly (readonly [string, string])[],
  password?: { readonly key: string; readonly value: string },
): string {
  const lines = [
    '# InstallAnywhere response file written by cdktf-failover; removed after the installer ran.',
  ];
  for (const [key, value] of properties) lines.push(`${key}=${escapePropertyValue(value)}`);
  if (password) lines.push(`${password.key}=${escapePropertyValue(password.value)}`);
  return `${lines.join('\n')}\n`;
}

import { splitKeepingEndings } from './lines';

/**
 * INI-style `key = value` files (/etc/nfs.conf, /etc/idmapd.conf). Keys are `section.key`, split at
 * the first dot (so `nfsd.vers4.1` is key `vers4.1` of `[nfsd]`); a key without a dot lives before
 * any section. Section and key names compare case-insensitively, as nfs-utils reads them. Only the
 * value of a managed key changes; its spacing, other keys and comments are kept byte for byte.
 */
export interface IniSetting {
  readonly key: string;
  readonly value: string;
}

function splitKey(key: string): { section: string; name: string } {
  const dot = key.indexOf('.');
  return dot < 0 ? { section: '', name: key } : { section: key.slice(0, dot), name: key.slice(dot + 1) };
}

const SECTION = /^\s*\[([^\]]+)\]\s*$/;
const KEY_LINE = /^(\s*)([^=:#;\s][^=:]*?)(\s*[=:]\s*)(.*?)(\s*)$/;

export function setIniValues(content: string | undefined, settings: readonly IniSetting[]): string {
  let lines = splitKeepingEndings(content ?? '');
  for (const setting of settings) lines = setOne(lines, setting);
  return lines.join('');
}

function setOne(lines: string[], setting: IniSetting): string[] {
  if (/[\r\n]/.test(setting.value))
    throw new Error(`the value for ${setting.key} may not contain a line break`);
  const { section, name } = splitKey(setting.key);
  let current = '';
  let sectionFound = section === '';
  let lastLineOfSection = section === '' ? -1 : -1;
  const out = [...lines];
  for (let i = 0; i < out.length; i++) {
    const bare = out[i].replace(/\r?\n$/, '');
    const header = SECTION.exec(bare);
    if (header) {
      current = header[1].trim();
      if (current.toLowerCase() === section.toLowerCase()) {
        sectionFound = true;
        lastLineOfSection = i;
      }
      continue;
    }
    if (current.toLowerCase() !== section.toLowerCase()) continue;
    if (!/^\s*[#;]/.test(bare) && bare.trim() !== '') lastLineOfSection = i;
    const kv = KEY_LINE.exec(bare);
    if (kv && kv[2].trim().toLowerCase() === name.toLowerCase()) {
      const ending = out[i].slice(bare.length);
      out[i] = `${kv[1]}${kv[2]}${kv[3]}${setting.value}${kv[5]}${ending}`;
      return out;
    }
  }
  const newLine = `${name} = ${setting.value}\n`;
  if (out.length > 0 && !out[out.length - 1].endsWith('\n')) out[out.length - 1] += '\n';
  if (!sectionFound) return [...out, ...(out.length > 0 ? ['\n'] : []), `[${section}]\n`, newLine];
  out.splice(lastLineOfSection + 1, 0, newLine);
  return out;
}

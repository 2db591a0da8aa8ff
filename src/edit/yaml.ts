import { isCollection, isMap, isScalar, isSeq, LineCounter, parseDocument, Scalar, YAMLMap } from 'yaml';
import type { ConfigValue } from '../actions';

/**
 * YAML files we share with their owners (cassandra.yaml). A managed value is spliced into the
 * original text at the position the parser reports, so every other byte, comments included, stays;
 * rewriting the whole document would reflow what the user wrote.
 */
export interface YamlSetting {
  /** `cluster_name`, `seed_provider[0].parameters[0].seeds` */
  readonly key: string;
  readonly value: ConfigValue;
}

export function parseYamlKey(key: string): (string | number)[] {
  const path: (string | number)[] = [];
  for (const part of key.split('.')) {
    const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
    if (!m) throw new Error(`"${key}" is not a YAML key path such as seed_provider[0].parameters[0].seeds`);
    path.push(m[1]);
    for (const index of m[2].matchAll(/\[(\d+)\]/g)) path.push(Number(index[1]));
  }
  return path;
}

const PLAIN_SAFE = /^[A-Za-z0-9_./][A-Za-z0-9_.:/ -]*$/;

/** True when the text, written unquoted, reads back as that same string (not a number, bool or null). */
function readsBackAsString(text: string): boolean {
  if (!PLAIN_SAFE.test(text) || text.endsWith(' ') || /: |:$/.test(text)) return false;
  const node = parseDocument(text).contents;
  return isScalar(node) && node.value === text;
}

/** Renders a scalar in the style the file already used for it, so a re-run finds it unchanged. */
function renderScalar(value: string | number | boolean, style?: Scalar['type']): string {
  if (typeof value !== 'string') return String(value);
  if (style === Scalar.QUOTE_SINGLE) return `'${value.replace(/'/g, "''")}'`;
  const plainOk = readsBackAsString(value);
  if (style === Scalar.PLAIN && plainOk) return value;
  if (style === undefined && plainOk) return value;
  return JSON.stringify(value);
}

function renderValue(value: ConfigValue, style?: Scalar['type']): string {
  if (Array.isArray(value)) return `[${value.map((v) => renderScalar(v)).join(', ')}]`;
  return renderScalar(value as string | number | boolean, style);
}

function sameValue(node: unknown, value: ConfigValue): boolean {
  if (Array.isArray(value)) {
    return (
      isSeq(node) &&
      node.items.length === value.length &&
      node.items.every((item, i) => isScalar(item) && String(item.value) === String(value[i]))
    );
  }
  return isScalar(node) && node.value === value;
}

export function setYamlValues(content: string, settings: readonly YamlSetting[]): string {
  let text = content;
  for (const setting of settings) text = setOne(text, setting);
  return text;
}

function setOne(text: string, setting: YamlSetting): string {
  const path = parseYamlKey(setting.key);
  const doc = parseDocument(text, { keepSourceTokens: true });
  if (doc.errors.length > 0) throw new Error(`the YAML file does not parse: ${doc.errors[0].message}`);
  const node = doc.getIn(path, true);
  if (sameValue(node, setting.value)) return text;
  let result: string;
  if (node && (isScalar(node) || isSeq(node)) && node.range) {
    const [start, valueEnd] = node.range;
    const style = isScalar(node) ? node.type : undefined;
    result = text.slice(0, start) + renderValue(setting.value, style) + text.slice(valueEnd);
  } else if (node === undefined) {
    result = insertKey(text, doc.getIn(path.slice(0, -1), true), path, setting.value);
  } else {
    throw new Error(`${setting.key} holds a mapping; only scalars and lists can be set`);
  }
  const check = parseDocument(result).getIn(path, true);
  if (!sameValue(check, setting.value))
    throw new Error(`setting ${setting.key} did not read back as written`);
  return result;
}

/** Adds `key: value` as the last entry of the parent block mapping, at its indentation. */
function insertKey(text: string, parent: unknown, path: (string | number)[], value: ConfigValue): string {
  const key = path[path.length - 1];
  if (typeof key !== 'string')
    throw new Error(`cannot add list item ${path.join('.')}; only mapping keys can be added`);
  if (path.length === 1) {
    const separator = text === '' || text.endsWith('\n') ? '' : '\n';
    return `${text}${separator}${key}: ${renderValue(value)}\n`;
  }
  if (!isMap(parent) || parent.flow || !parent.range || parent.items.length === 0) {
    throw new Error(`cannot add ${path.join('.')}: its parent is missing or not a block mapping`);
  }
  const firstKey = (parent as YAMLMap).items[0].key as Scalar;
  const lines = new LineCounter();
  parseDocument(text, { lineCounter: lines });
  const column = lines.linePos(firstKey.range![0]).col - 1;
  const end = parent.range[1];
  const insertAt =
    text.lastIndexOf('\n', end - 1) + 1 === end ? end : text.indexOf('\n', end) + 1 || text.length;
  return `${text.slice(0, insertAt)}${' '.repeat(column)}${key}: ${renderValue(value)}\n${text.slice(insertAt)}`;
}

/** Reads a value by key path (for checks), or undefined. */
export function getYamlValue(content: string, key: string): unknown {
  const value = parseDocument(content).getIn(parseYamlKey(key));
  return isCollection(value) ? value.toJSON() : value;
}

/**
 * XML files we share with their owners (DataMiner.xml, DB.xml). A small scanner finds the elements
 * and the byte ranges of their tags, so a managed attribute or text is spliced in and the rest of
 * the file (declaration, comments, formatting, unknown elements) stays byte for byte.
 *
 * Paths: `DataMiner@id` (attribute of the root), `DataBases/DataBase[2]/DBServer` (text of the
 * second DataBase's DBServer; indexes count from 1 among same-named siblings).
 */
export interface XmlSetting {
  readonly key: string;
  readonly value: string;
}

interface XmlElement {
  readonly name: string;
  readonly start: number; // index of '<'
  readonly startTagEnd: number; // index after '>'
  readonly selfClosing: boolean;
  contentEnd: number; // index of '</' (or startTagEnd when self-closing)
  end: number; // index after the end tag
  readonly children: XmlElement[];
}

const NAME = '[A-Za-z_][\\w.:-]*';
const ATTRIBUTE = new RegExp(`(\\s+)(${NAME})(\\s*=\\s*)("[^"]*"|'[^']*')`, 'g');

/** Parses the element tree with positions. Throws on text that is not well-formed enough to edit safely. */
export function scanXml(text: string): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const token =
    /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<\/([^\s>]+)\s*>|<([A-Za-z_][\w.:-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/g;
  for (let m = token.exec(text); m; m = token.exec(text)) {
    if (m[1] !== undefined) {
      const open = stack.pop();
      if (!open || open.name !== m[1]) throw new Error(`unexpected </${m[1]}> at offset ${m.index}`);
      open.contentEnd = m.index;
      open.end = m.index + m[0].length;
      continue;
    }
    if (m[2] === undefined) continue; // comment, CDATA, processing instruction, doctype
    const selfClosing = m[4] === '/';
    const end = m.index + m[0].length;
    const element: XmlElement = {
      name: m[2],
      start: m.index,
      startTagEnd: end,
      selfClosing,
      contentEnd: end,
      end,
      children: [],
    };
    if (stack.length > 0) stack[stack.length - 1].children.push(element);
    else if (root) throw new Error('the document has more than one root element');
    else root = element;
    if (!selfClosing) stack.push(element);
  }
  if (!root) throw new Error('the document has no root element');
  if (stack.length > 0) throw new Error(`<${stack[stack.length - 1].name}> is never closed`);
  return root;
}

export function escapeXml(value: string, quote = '"'): string {
  const escaped = value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return quote === '"' ? escaped.replace(/"/g, '&quot;') : escaped.replace(/'/g, '&apos;');
}

function unescapeXml(value: string): string {
  return value
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/** `DataMiner@id`, `DataBases/DataBase[2]/DBServer`: element steps and an optional attribute; throws on anything else. */
export function parseXmlKey(key: string): { steps: { name: string; index: number }[]; attribute?: string } {
  const [elementPath, attribute, extra] = key.split('@');
  if (extra !== undefined || !elementPath)
    throw new Error(`"${key}" is not an XML path such as DataMiner@id`);
  const steps = elementPath.split('/').map((part) => {
    const m = new RegExp(`^(${NAME})(?:\\[(\\d+)\\])?$`).exec(part);
    if (!m) throw new Error(`"${part}" in "${key}" is not an element name`);
    return { name: m[1], index: m[2] ? Number(m[2]) : 1 };
  });
  return { steps, ...(attribute ? { attribute } : {}) };
}

function find(
  root: XmlElement,
  steps: { name: string; index: number }[],
): { parent?: XmlElement; element?: XmlElement } {
  if (root.name !== steps[0].name)
    throw new Error(`the root element is <${root.name}>, not <${steps[0].name}>`);
  let element: XmlElement | undefined = root;
  let parent: XmlElement | undefined;
  for (const step of steps.slice(1)) {
    parent = element;
    element = parent?.children.filter((c) => c.name === step.name)[step.index - 1];
    if (!element) return { parent: step === steps[steps.length - 1] ? parent : undefined };
  }
  return { parent, element };
}

/** Reads an attribute or element text (unescaped), or undefined when absent. */
export function getXmlValue(text: string, key: string): string | undefined {
  const { steps, attribute } = parseXmlKey(key);
  const { element } = find(scanXml(text), steps);
  if (!element) return undefined;
  if (attribute) {
    const tag = text.slice(element.start, element.startTagEnd);
    for (const m of tag.matchAll(ATTRIBUTE)) if (m[2] === attribute) return unescapeXml(m[4].slice(1, -1));
    return undefined;
  }
  if (element.children.length > 0) return undefined;
  return unescapeXml(text.slice(element.startTagEnd, element.contentEnd));
}

export function setXmlValues(content: string, settings: readonly XmlSetting[]): string {
  let text = content;
  for (const setting of settings) text = setOne(text, setting);
  return text;
}

function setOne(text: string, setting: XmlSetting): string {
  if (getXmlValue(text, setting.key) === setting.value) return text;
  const { steps, attribute } = parseXmlKey(setting.key);
  const { parent, element } = find(scanXml(text), steps);
  if (!element) {
    if (!parent || attribute || parent.selfClosing) {
      throw new Error(`cannot set ${setting.key}: its parent element is missing`);
    }
    const name = steps[steps.length - 1].name;
    const lineStart = text.lastIndexOf('\n', parent.start) + 1;
    const indent = /^[ \t]*/.exec(text.slice(lineStart))![0];
    // When the end tag stands on its own line, the new child gets a line of its own, indented one step.
    const closingLineStart = text.lastIndexOf('\n', parent.contentEnd - 1) + 1;
    const ownLine =
      closingLineStart > parent.startTagEnd &&
      /^[ \t]*$/.test(text.slice(closingLineStart, parent.contentEnd));
    const insertAt = ownLine ? closingLineStart : parent.contentEnd;
    const child = ownLine
      ? `${indent}  <${name}>${escapeXml(setting.value)}</${name}>\n`
      : `<${name}>${escapeXml(setting.value)}</${name}>`;
    return text.slice(0, insertAt) + child + text.slice(insertAt);
  }
  if (attribute) {
    const tag = text.slice(element.start, element.startTagEnd);
    for (const m of tag.matchAll(ATTRIBUTE)) {
      if (m[2] !== attribute) continue;
      const quote = m[4][0];
      const valueStart = element.start + m.index! + m[1].length + m[2].length + m[3].length;
      return (
        text.slice(0, valueStart) +
        quote +
        escapeXml(setting.value, quote) +
        quote +
        text.slice(valueStart + m[4].length)
      );
    }
    const insertAt = element.startTagEnd - (element.selfClosing ? 2 : 1);
    const before = text.slice(0, insertAt).replace(/\s*$/, '');
    return `${before} ${attribute}="${escapeXml(setting.value)}"${text.slice(insertAt)}`.replace(
      /"\/>$/,
      '" />',
    );
  }
  if (element.children.length > 0)
    throw new Error(`cannot set the text of ${setting.key}: it holds child elements`);
  if (element.selfClosing) {
    const openTag = text.slice(element.start, element.startTagEnd).replace(/\s*\/>$/, '>');
    return `${text.slice(0, element.start)}${openTag}${escapeXml(setting.value)}</${element.name}>${text.slice(element.end)}`;
  }
  return text.slice(0, element.startTagEnd) + escapeXml(setting.value) + text.slice(element.contentEnd);
}

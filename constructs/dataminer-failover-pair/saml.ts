/**
 * SAML (external authentication) on a Failover pair: the backup needs the primary's
 * `<ExternalAuthentication>` (older pages: `<ExternalAuth>`, `<AzureAD>`) from DataMiner.xml, and
 * the local metadata files those name, copied while the backup is stopped. A metadata URL needs
 * nothing copied. Pure.
 */
import { scanXml } from '../../src/edit/xml';
import { ABSOLUTE_WINDOWS_PATH } from '../../src/schema/actions';
import { attributes } from './parse';

const AUTH_ELEMENTS = new Set(['ExternalAuthentication', 'ExternalAuth', 'AzureAD']);
const METADATA_ATTRIBUTES = ['ipMetadata', 'spMetadata'];

/** DataMiner.xml's external authentication elements, as written. */
export function externalAuthElements(dataMinerXml: string): string[] {
  return scanXml(dataMinerXml)
    .children.filter((c) => AUTH_ELEMENTS.has(c.name))
    .map((c) => dataMinerXml.slice(c.start, c.end));
}

/** The metadata files DataMiner.xml names: local paths to copy, and anything that is neither a path nor a URL. */
export function metadataFiles(dataMinerXml: string): { paths: string[]; unclear: string[] } {
  const root = scanXml(dataMinerXml);
  const values = root.children
    .filter((c) => AUTH_ELEMENTS.has(c.name))
    .flatMap((c) => {
      const a = attributes(dataMinerXml, c);
      return METADATA_ATTRIBUTES.map((name) => a[name]).filter((v): v is string => !!v);
    });
  const paths = [...new Set(values.filter((v) => ABSOLUTE_WINDOWS_PATH.test(v)))];
  const unclear = values.filter((v) => !ABSOLUTE_WINDOWS_PATH.test(v) && !/^https?:\/\//i.test(v));
  return { paths, unclear };
}

const normalized = (elements: readonly string[]) =>
  elements.map((e) => e.replace(/\s+/g, ' ').trim()).join('\n');

/**
 * The backup's DataMiner.xml with the primary's external authentication instead of its own;
 * undefined when they already agree (or the primary has none: the backup's own stays).
 */
export function withExternalAuthOf(backupXml: string, primaryXml: string): string | undefined {
  const wanted = externalAuthElements(primaryXml);
  if (wanted.length === 0 || normalized(wanted) === normalized(externalAuthElements(backupXml)))
    return undefined;
  const root = scanXml(backupXml);
  if (root.selfClosing) {
    const open = backupXml.slice(root.start, root.startTagEnd).replace(/\s*\/>$/, '>');
    return `${backupXml.slice(0, root.start)}${open}${wanted.join('')}</${root.name}>${backupXml.slice(root.end)}`;
  }
  let out = '';
  let at = 0;
  for (const child of root.children.filter((c) => AUTH_ELEMENTS.has(c.name))) {
    out += backupXml.slice(at, child.start).replace(/[ \t]*$/, '');
    at = child.end;
    if (backupXml.slice(at, at + 2) === '\r\n') at += 2;
    else if (backupXml[at] === '\n') at += 1;
  }
  const rest = backupXml.slice(at, root.contentEnd).replace(/\s*$/, '');
  const newline = backupXml.includes('\r\n') ? '\r\n' : '\n';
  return `${out}${rest}${newline}${wanted.map((e) => `  ${e}`).join(newline)}${newline}${backupXml.slice(root.contentEnd)}`;
}

/**
 * DMS.xml `<Redirects>` (DMS_xml.md): when agents talk gRPC through redirects, each agent lists a
 * `<Redirect to=".." via="https://../APIGateway" user=".." pwd=".."/>` per agent it reaches, and
 * "Failover Agents also need a redirect to each other's IP address". The construct writes the
 * backup's; it never writes the primary, whose missing line is a problem quoting the XML to add.
 * Pure.
 */
import { escapeXml, scanXml } from '../../src/edit/xml';
import { attributes, descendants } from './parse';

export interface Redirect {
  readonly to: string;
  readonly via: string;
  readonly user?: string;
}

/** Every `<Redirect>` of DMS.xml's `<Redirects>`. */
export function parseRedirects(dmsXml: string): Redirect[] {
  return descendants(scanXml(dmsXml), 'Redirects')
    .flatMap((r) => descendants(r, 'Redirect'))
    .map((r) => {
      const a = attributes(dmsXml, r);
      return { to: a.to ?? '', via: a.via ?? '', ...(a.user ? { user: a.user } : {}) };
    });
}

/**
 * The redirect an agent needs to `to`, shaped like the agent's existing ones: the same `via`
 * pattern (its target's address swapped for `to`) and the same user; `https://<to>/APIGateway`
 * when none shows a pattern.
 */
export function redirectLike(existing: readonly Redirect[], to: string): Redirect {
  const model = existing.find((r) => r.to !== '' && r.via.includes(r.to));
  const via = model ? model.via.split(model.to).join(to) : `https://${to}/APIGateway`;
  const user = existing.find((r) => r.user)?.user;
  return { to, via, ...(user ? { user } : {}) };
}

/** The `<Redirect/>` line; `pwd` is the plain text DataMiner encrypts when it first reads it. */
export function redirectXml(redirect: Redirect, pwd: string | undefined): string {
  const user = redirect.user !== undefined ? ` user="${escapeXml(redirect.user)}"` : '';
  const password = pwd !== undefined ? ` pwd="${escapeXml(pwd)}"` : '';
  return `<Redirect to="${escapeXml(redirect.to)}" via="${escapeXml(redirect.via)}"${user}${password}/>`;
}

/** DMS.xml with one more `<Redirect>`, in its `<Redirects>` (made when missing), nothing else moved. */
export function withRedirect(dmsXml: string, line: string): string {
  const root = scanXml(dmsXml);
  const redirects = root.children.find((c) => c.name === 'Redirects');
  const indent = /\n([ \t]*)<DMA\b/.exec(dmsXml)?.[1] ?? '  ';
  const newline = dmsXml.includes('\r\n') ? '\r\n' : '\n';
  if (redirects && !redirects.selfClosing)
    return `${dmsXml.slice(0, redirects.contentEnd).replace(/\s*$/, '')}${newline}${indent}  ${line}${newline}${indent}${dmsXml.slice(redirects.contentEnd)}`;
  const block = `${indent}<Redirects>${newline}${indent}  ${line}${newline}${indent}</Redirects>`;
  if (redirects) return dmsXml.slice(0, redirects.start) + block.trimStart() + dmsXml.slice(redirects.end);
  if (root.selfClosing) throw new Error('DMS.xml has an empty root element');
  return `${dmsXml.slice(0, root.contentEnd).replace(/\s*$/, '')}${newline}${block}${newline}${dmsXml.slice(root.contentEnd)}`;
}

/** What the pair's redirects need, from both DMS.xml and both agents' primary IPs. */
export interface RedirectPlan {
  /** The primary uses redirects at all. */
  readonly used: boolean;
  /** The primary has none to the backup: the line to add, for the message (never written). */
  readonly primaryMissing?: Redirect;
  /** The backup has none to the primary: the one the backup step writes. */
  readonly backupMissing?: Redirect;
}

export function planRedirects(
  primaryDms: string | undefined,
  backupDms: string | undefined,
  primaryAddress: string,
  backupAddress: string,
): RedirectPlan {
  const primary = primaryDms ? parseRedirects(primaryDms) : [];
  if (primary.length === 0) return { used: false };
  const backup = backupDms ? parseRedirects(backupDms) : [];
  return {
    used: true,
    ...(primary.some((r) => r.to === backupAddress)
      ? {}
      : { primaryMissing: redirectLike(primary, backupAddress) }),
    ...(backup.some((r) => r.to === primaryAddress)
      ? {}
      : { backupMissing: redirectLike(primary, primaryAddress) }),
  };
}

/**
 * The redirect problems preflight reports: the primary's missing line (quoted, for its operator to
 * add), and a backup redirect that needs a password nobody gave.
 */
export function redirectProblems(
  plan: RedirectPlan,
  labels: { primary: string; backup: string },
  passwordEnv: string | undefined,
): string[] {
  const problems: string[] = [];
  if (plan.primaryMissing)
    problems.push(
      `${labels.primary} (primary) uses DMS.xml <Redirects> but has none to the backup: Failover agents need a redirect to each other's IP address. Add ${redirectXml(plan.primaryMissing, plan.primaryMissing.user ? '(that user’s password)' : undefined)} to the primary's <Redirects> and restart it, or add the same connection string with SLNetClientTest tool (no restart); the construct never writes the primary`,
    );
  if (plan.backupMissing?.user && passwordEnv === undefined)
    problems.push(
      `the backup ${labels.backup} needs a redirect to the primary logging on as "${plan.backupMissing.user}", as the primary's redirects do: set redirectPasswordEnv to the environment variable holding that user's password`,
    );
  return problems;
}

/**
 * The topology as a Mermaid flowchart: a node per host (name, address, roles, states read, its
 * mark), an edge per pair of hosts with the ports checked between them, a node per shared address.
 * Node ids are generated; every text from the stack goes through mermaidText. Pure.
 */
import { mermaidText } from './escape';
import type { HostMark, PathMark, PathView, RunView } from './run-view';

const NODE_CLASSES: Record<HostMark, string> = {
  planned: 'fill:#ffffff,stroke:#546e7a,color:#102027',
  ok: 'fill:#e8f5e9,stroke:#2e7d32,color:#1b5e20',
  changed: 'fill:#e3f2fd,stroke:#1565c0,color:#0d47a1',
  failed: 'fill:#ffebee,stroke:#c62828,stroke-width:3px,color:#b71c1c',
  'not run': 'fill:#f5f5f5,stroke:#9e9e9e,stroke-dasharray:4 4,color:#616161',
};

const CLASS_NAME: Record<HostMark, string> = {
  planned: 'planned',
  ok: 'ok',
  changed: 'changed',
  failed: 'failed',
  'not run': 'notrun',
};

const EDGE_STYLES: Record<PathMark, string | undefined> = {
  planned: undefined,
  open: 'stroke:#2e7d32,stroke-width:2px',
  unconfirmed: 'stroke:#c62828,stroke-width:2px',
  'not checked': 'stroke:#9e9e9e',
};

/** What a host's mark says, in its node. */
const MARK_WORDS: Record<HostMark, string> = {
  planned: '',
  ok: 'ok',
  changed: 'changed',
  failed: 'FAILED',
  'not run': 'not run',
};

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly label: string;
  readonly mark: PathMark;
  bothWays: boolean;
}

/** "tcp 8300, 8301 · udp 8301 · NFS mount": the services of the paths between two hosts. */
export function servicesLabel(paths: readonly PathView[]): string {
  const byProtocol = new Map<string, string[]>();
  for (const { path } of paths) {
    const name = path.protocol === 'nfs' ? 'NFS mount' : path.protocol;
    const ports = byProtocol.get(name) ?? [];
    const port = path.ports.join(' or ');
    if (port && !ports.includes(port)) ports.push(port);
    byProtocol.set(name, ports);
  }
  return [...byProtocol.entries()]
    .map(([name, ports]) => [name, ports.join(', ')].filter(Boolean).join(' '))
    .join(' · ');
}

/** The mark of an edge: the worst of its paths. */
function edgeMark(paths: readonly PathView[]): PathMark {
  for (const mark of ['unconfirmed', 'not checked', 'open'] as const)
    if (paths.some((p) => p.mark === mark)) return mark;
  return 'planned';
}

function edgesOf(view: RunView): Edge[] {
  const groups = new Map<string, PathView[]>();
  for (const p of view.paths) {
    const key = JSON.stringify([p.path.from, p.path.to]);
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const edges: Edge[] = [];
  for (const paths of groups.values()) {
    const { from, to } = paths[0].path;
    const label = servicesLabel(paths);
    const mark = edgeMark(paths);
    const reverse = edges.find((e) => e.from === to && e.to === from && e.label === label && e.mark === mark);
    if (reverse) reverse.bothWays = true;
    else edges.push({ from, to, label, mark, bothWays: false });
  }
  return edges;
}

function hostLabel(view: RunView, index: number): string {
  const { host, mark, states } = view.hosts[index];
  const lines = [`<b>${mermaidText(host.label)}</b>`];
  if (host.address !== host.label) lines.push(mermaidText(host.address));
  for (const role of host.roles) lines.push(`<i>${mermaidText(role)}</i>`);
  if (host.roles.length === 0 && host.external) lines.push('<i>reached by the hosts</i>');
  for (const s of states) lines.push(`<b>${mermaidText(s.state)}</b> ${mermaidText(`(read by ${s.step})`)}`);
  if (MARK_WORDS[mark]) lines.push(mermaidText(MARK_WORDS[mark]));
  return lines.join('<br/>');
}

/** The flowchart's source, without the Markdown fence. */
export function renderMermaid(view: RunView): string {
  const lines = ['flowchart LR'];
  const ids = new Map(view.hosts.map((h, i) => [h.host.key, `host${i + 1}`]));
  view.hosts.forEach((h, i) => {
    const id = ids.get(h.host.key)!;
    // An address no step logs in to is drawn as a cylinder: a service the hosts reach.
    const [open, close] = h.host.external ? ['[("', '")]'] : ['["', '"]'];
    lines.push(`  ${id}${open}${hostLabel(view, i)}${close}`);
  });
  const linkStyles: string[] = [];
  let linkCount = 0;
  for (const edge of edgesOf(view)) {
    const dotted = edge.mark === 'unconfirmed' || edge.mark === 'not checked';
    const arrow = `${edge.bothWays ? '<' : ''}${dotted ? '-.->' : '-->'}`;
    const word = edge.mark === 'planned' ? '' : ` (${edge.mark})`;
    lines.push(`  ${ids.get(edge.from)} ${arrow}|"${mermaidText(edge.label + word)}"| ${ids.get(edge.to)}`);
    const style = EDGE_STYLES[edge.mark];
    if (style) linkStyles.push(`  linkStyle ${linkCount} ${style}`);
    linkCount++;
  }
  view.sharedAddresses.forEach(({ shared, holders }, i) => {
    const id = `shared${i + 1}`;
    lines.push(`  ${id}{{"${mermaidText(shared.kind)}<br/><b>${mermaidText(shared.address)}</b>"}}`);
    for (const candidate of shared.candidates) {
      const host = ids.get(candidate);
      if (!host) continue;
      if (holders === undefined)
        lines.push(`  ${id} -.-|"${mermaidText('the online agent holds it')}"| ${host}`);
      else if (holders.includes(candidate)) {
        lines.push(`  ${id} ===|"${mermaidText('held by')}"| ${host}`);
        linkStyles.push(`  linkStyle ${linkCount} ${EDGE_STYLES.open}`);
      } else lines.push(`  ${id} -.-|"${mermaidText('not held by')}"| ${host}`);
      linkCount++;
    }
  });
  for (const mark of Object.keys(NODE_CLASSES) as HostMark[]) {
    const members = view.hosts.filter((h) => h.mark === mark).map((h) => ids.get(h.host.key)!);
    if (members.length === 0) continue;
    lines.push(`  classDef ${CLASS_NAME[mark]} ${NODE_CLASSES[mark]}`);
    lines.push(`  class ${members.join(',')} ${CLASS_NAME[mark]}`);
  }
  return [...lines, ...linkStyles].join('\n');
}

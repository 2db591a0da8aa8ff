/**
 * The run summary as Markdown for `$GITHUB_STEP_SUMMARY` or a merge-request note: the topology
 * diagram, the steps, the network paths, the problems with their fixes, the runbooks. Pure.
 */
import { markdownLinkTarget, markdownText } from './escape';
import { renderMermaid } from './mermaid';
import type { HostView, PathView, RunView, StepView } from './run-view';
import { servicesLabel } from './mermaid';

/** A runbook file in the stack folder. */
export interface Runbook {
  /** Its path relative to the stack folder, with `/` separators. */
  readonly path: string;
  /** The construct it belongs to (from its asset's name). */
  readonly construct: string;
}

const OUTCOME_WORDS: Record<StepView['mark'], string> = {
  planned: 'planned',
  ok: 'ok',
  changed: 'changed',
  failed: '**FAILED**',
  'not run': 'not run',
  skipped: 'apply-time values: not matched',
  destroy: 'runs at removal',
};

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

function cell(text: string): string {
  return markdownText(text, 'br');
}

function outcomeCell(step: StepView): string {
  if (step.report?.checkOnly && step.mark === 'changed') return 'would change';
  return OUTCOME_WORDS[step.mark];
}

/** What changed: each changed action with its detail; for a check, what would change. */
function changesCell(step: StepView): string {
  if (!step.report) return '';
  if (step.mark === 'failed') return 'see the problems below';
  const changed = step.report.actions.filter((a) => a.outcome === 'changed');
  if (changed.length === 0) return 'nothing';
  return changed.map((a) => cell(a.detail ? `${a.action} (${a.detail})` : a.action)).join('<br>');
}

function stepsTable(view: RunView): string[] {
  const rows = view.steps.map((s, i) => {
    const r = s.report;
    return `| ${i + 1} | ${cell(s.entry.id)} | ${cell(s.hostLabel ?? '')} | ${outcomeCell(s)} | ${r ? seconds(r.durationMs) : ''} | ${r ? r.roundTrips : ''} | ${changesCell(s)} |`;
  });
  return [
    '| # | step | host | outcome | time | round trips | what changed |',
    '| ---: | --- | --- | --- | ---: | ---: | --- |',
    ...rows,
  ];
}

function pathsTable(view: RunView): string[] {
  const label = new Map(view.hosts.map((h) => [h.host.key, h.host.label]));
  const rows = view.paths.map((p: PathView) => {
    const service = servicesLabel([p]);
    const cells = [label.get(p.path.from)!, label.get(p.path.to)!, service, p.path.purpose].map(cell);
    return `| ${cells.join(' | ')} | ${p.mark} |`;
  });
  return ['| from | to | port | purpose | outcome |', '| --- | --- | --- | --- | --- |', ...rows];
}

/** A failed step's reason: its headline, then each problem (with its fix) as a list item. */
function problemItems(step: StepView): string[] {
  const reason = step.report?.reason ?? 'failed without a reason';
  const [headline, ...rest] = reason.split('\n');
  const items: string[] = [];
  let current: string | undefined;
  const extra: string[] = [];
  for (const line of rest) {
    const item = /^ {2}- (.*)$/.exec(line);
    if (item) {
      if (current !== undefined) items.push(current);
      current = item[1];
    } else if (current !== undefined) current += `\n${line.trim()}`;
    else extra.push(line.trim());
  }
  if (current !== undefined) items.push(current);
  const head = [headline, ...extra].filter(Boolean).join(' ');
  return [
    `- **${cell(step.entry.id)}** on ${cell(step.hostLabel ?? '')}: ${markdownText(head)}`,
    ...items.map((p) => `  - ${markdownText(p)}`),
  ];
}

function hostStateLines(view: RunView): string[] {
  const lines: string[] = [];
  const withStates = view.hosts.filter((h: HostView) => h.states.length > 0);
  for (const h of withStates)
    for (const s of h.states)
      lines.push(
        `- ${markdownText(h.host.label)}: **${markdownText(s.state)}** (read by step ${markdownText(s.step)})`,
      );
  const label = new Map(view.hosts.map((h) => [h.host.key, h.host.label]));
  for (const { shared, holders } of view.sharedAddresses) {
    const what = `${shared.kind} ${shared.address}`;
    if (holders === undefined)
      lines.push(
        `- ${markdownText(what)}: holder unknown: no step of this run read it${view.ran ? '' : ' (no run yet)'}`,
      );
    else if (holders.length === 0) lines.push(`- ${markdownText(what)}: held by no agent`);
    else
      lines.push(
        `- ${markdownText(what)}: held by ${holders.map((h) => markdownText(label.get(h) ?? h)).join(', ')}`,
      );
  }
  return lines;
}

function headline(view: RunView): string {
  const counts = (['changed', 'ok', 'failed', 'not run'] as const)
    .map((mark) => [mark, view.steps.filter((s) => s.mark === mark).length] as const)
    .filter(([, n]) => n > 0)
    .map(([mark, n]) => `${n} ${mark === 'changed' && view.checkOnly ? 'would change' : mark}`);
  const size = [
    count(view.steps.length, 'step'),
    `on ${count(view.hosts.filter((h) => !h.host.external).length, 'host')}`,
    `, ${count(view.paths.length, 'network path')}`,
  ]
    .join(' ')
    .replace(' ,', ',');
  if (!view.ran) return `Planned: ${size}. No run report was given (\`--report\`): nothing is marked yet.`;
  const failed = view.steps.some((s) => s.mark === 'failed');
  const verdict = failed ? '**Failed**' : view.checkOnly ? 'Checked' : 'Deployed';
  return `${verdict}: ${counts.join(', ') || 'no step reported'} (${size}).`;
}

/** The whole summary. */
export function renderSummary(view: RunView, runbooks: readonly Runbook[]): string {
  const out: string[] = [`## Failover summary: ${markdownText(view.stackName)}`, '', headline(view), ''];
  out.push('### Topology', '', '```mermaid', renderMermaid(view), '```', '');
  out.push(
    view.ran
      ? 'A host is marked with the worst outcome of the steps that ran on it or checked it; a path is open when a step that checks it passed, unconfirmed when every step that checks it failed.'
      : 'The planned topology: the hosts by role and the network paths the constructs check.',
    '',
  );
  const states = hostStateLines(view);
  if (states.length > 0) out.push('### Active roles', '', ...states, '');
  out.push('### Steps', '', ...stepsTable(view), '');
  if (view.paths.length > 0) out.push('### Network paths', '', ...pathsTable(view), '');
  if (view.ran) {
    const failed = view.steps.filter((s) => s.mark === 'failed');
    out.push('### Problems and their fixes', '');
    out.push(...(failed.length > 0 ? failed.flatMap(problemItems) : ['None: no step failed.']), '');
  }
  if (view.unmatchedReports.length > 0)
    out.push(
      `${view.unmatchedReports.length} report(s) match no step of this stack (${view.unmatchedReports
        .map((r) => markdownText(`${r.step} on ${r.host}`))
        .join(', ')}): they come from another stack or an earlier synth.`,
      '',
    );
  out.push('### Runbooks', '');
  out.push(
    ...(runbooks.length > 0
      ? runbooks.map(
          (r) =>
            `- ${markdownText(r.construct)}: [${markdownText(r.path.split('/').pop()!)}](${markdownLinkTarget(r.path)}) (in the stack folder: ${markdownText(r.path)})`,
        )
      : ['No construct of this stack writes a runbook.']),
  );
  return `${out.join('\n')}\n`;
}

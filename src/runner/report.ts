import type { ActionReport, StepReport } from './execute-step';

const PREFIX = '[failover]';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)}s`;
}

/** One line per action as it finishes, so a long step shows progress inside `terraform apply`. */
export function formatActionLine(step: string, host: string, report: ActionReport): string {
  const detail = report.detail && report.outcome !== 'failed' ? ` (${report.detail})` : '';
  return `${PREFIX} ${host} ${step}: ${report.outcome.padEnd(7)} ${report.action}${detail}`;
}

/** The closing line of a step: host, step, outcome, duration, and the reason when it failed. */
export function formatStepLine(report: StepReport): string {
  const counts = ['changed', 'ok']
    .map((o) => [o, report.actions.filter((a) => a.outcome === o).length] as const)
    .filter(([, n]) => n > 0)
    .map(([o, n]) => `${n} ${o}`)
    .join(', ');
  const mode = report.checkOnly ? ' [check only]' : '';
  const head = `${PREFIX} ${report.host} ${report.step}: ${report.outcome.toUpperCase()} in ${seconds(report.durationMs)}${mode}`;
  if (report.outcome === 'failed') return `${head}: ${report.reason}`;
  return `${head} (${counts || 'no actions'}) - ${report.description}`;
}

/** The machine-readable report line for pipelines. */
export function formatJsonLine(report: StepReport): string {
  return JSON.stringify({ event: 'step', ...report });
}

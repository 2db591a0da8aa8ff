/**
 * Reads step reports back: the JSON lines the runner appends to $CDKTF_FAILOVER_REPORT_FILE
 * (`{"event":"step",…}`), or the one line `cdktf-failover check --json` prints (`{"event":"check",
 * "steps":[…]}`). Pure: text in, reports out.
 */
import { z } from 'zod';
import { StepFailure } from '../errors';
import type { StepReport } from '../runner/execute-step';

const outcome = z.enum(['ok', 'changed', 'failed']);

const actionReportSchema = z.looseObject({
  action: z.string(),
  outcome,
  detail: z.string().optional(),
  hostStates: z.record(z.string(), z.string()).optional(),
});

const stepReportSchema = z.looseObject({
  step: z.string(),
  description: z.string(),
  host: z.string(),
  outcome,
  checkOnly: z.boolean(),
  durationMs: z.number().nonnegative(),
  reason: z.string().optional(),
  actions: z.array(actionReportSchema),
  roundTrips: z.number().int().nonnegative(),
  remoteCommands: z.number().int().nonnegative(),
});

const lineSchema = z.union([
  stepReportSchema.extend({ event: z.literal('step') }),
  z.looseObject({ event: z.literal('check'), steps: z.array(stepReportSchema) }),
]);

/** Every step report in the text, in order; `source` names the file in messages. */
export function parseRunReports(text: string, source: string): StepReport[] {
  const reports: StepReport[] = [];
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      throw new StepFailure(
        `line ${i + 1} of ${source} is not JSON (${(error as Error).message}): give --report the file CDKTF_FAILOVER_REPORT_FILE named during terraform apply, or the output of cdktf-failover check --json`,
      );
    }
    const parsed = lineSchema.safeParse(json);
    if (!parsed.success)
      throw new StepFailure(
        `line ${i + 1} of ${source} is not a step report (${parsed.error.issues
          .slice(0, 3)
          .map((issue) => `${issue.path.join('.') || 'the line'}: ${issue.message}`)
          .join(
            '; ',
          )}): give --report the file CDKTF_FAILOVER_REPORT_FILE named during terraform apply, or the output of cdktf-failover check --json`,
      );
    const data = parsed.data;
    if (data.event === 'check') reports.push(...(data.steps as StepReport[]));
    else {
      const { event: _event, ...report } = data;
      reports.push(report as StepReport);
    }
  }
  return reports;
}

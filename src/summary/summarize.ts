/**
 * `cdktf-failover summary`: reads a synthesized stack folder (and a run's reports), renders the
 * Markdown. The only part of the summary that touches files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StepFailure } from '../errors';
import { stepsOfStack } from '../runner/stack-specs';
import type { Runbook } from './markdown';
import { renderSummary } from './markdown';
import { parseRunReports } from './run-reports';
import { runView, type RunView } from './run-view';
import { topologyOfStack } from './stack-topology';
import type { TopologyReaders } from './topology';

/** The synthesized configuration of a stack folder, with a sentence naming the fix when there is none. */
export function readStackConfig(dir: string): Parameters<typeof stepsOfStack>[0] {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'cdk.tf.json'), 'utf8')) as Parameters<
      typeof stepsOfStack
    >[0];
  } catch (error) {
    throw new StepFailure(
      `${dir} is not a synthesized stack folder (${(error as NodeJS.ErrnoException).code ?? (error as Error).message} reading cdk.tf.json); run cdktf synth and give cdktf.out/stacks/<stack>`,
    );
  }
}

/** The runbooks constructs wrote as assets (`assets/<construct>_Runbook_<hash>/<hash>/*.md`). */
export function findRunbooks(dir: string): Runbook[] {
  const assets = path.join(dir, 'assets');
  if (!fs.existsSync(assets)) return [];
  const runbooks: Runbook[] = [];
  for (const asset of fs.readdirSync(assets, { withFileTypes: true })) {
    if (!asset.isDirectory() || !/runbook/i.test(asset.name)) continue;
    for (const version of fs.readdirSync(path.join(assets, asset.name), { withFileTypes: true })) {
      const folder = path.join(assets, asset.name, version.name);
      const files = version.isDirectory() ? fs.readdirSync(folder) : [];
      for (const file of files.filter((f) => f.endsWith('.md')).sort())
        runbooks.push({
          path: ['assets', asset.name, version.name, file].join('/'),
          construct: asset.name.replace(/_[0-9A-F]{8}$/i, '').replace(/_Runbook$/i, ''),
        });
    }
  }
  return runbooks.sort((a, b) => a.path.localeCompare(b.path));
}

function readReports(file: string) {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new StepFailure(
      `cannot read the report ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): give --report the file CDKTF_FAILOVER_REPORT_FILE named during terraform apply`,
    );
  }
  return parseRunReports(text, file);
}

/** The stack's topology marked with the reports of a run, when a report file is given. */
export function stackRunView(dir: string, readers: TopologyReaders, reportFile?: string): RunView {
  const topology = topologyOfStack(stepsOfStack(readStackConfig(dir)), readers);
  return runView(
    path.basename(path.resolve(dir)),
    topology,
    reportFile ? readReports(reportFile) : undefined,
  );
}

/** The Markdown summary of a stack folder, planned or after a run. */
export function summarizeStack(dir: string, readers: TopologyReaders, reportFile?: string): string {
  return renderSummary(stackRunView(dir, readers, reportFile), findRunbooks(dir));
}

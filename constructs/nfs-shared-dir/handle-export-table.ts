/** The server's applied export table: what clients can really mount, beyond the exports file. */
import { StepFailure } from '../../src/errors';
import type { ActionHandler } from '../../src/runner/action-handler';
import type { RemoteHost } from '../../src/runner/remote-host';
import type { ExportTableAction } from './actions';
import { exportTableProblems } from './export-options';
import { readExportTable } from './facts';

async function tableProblems(host: RemoteHost, action: ExportTableAction): Promise<string[]> {
  return exportTableProblems(await readExportTable(host), action.exportPath, action.clients, action.options);
}

/**
 * Compares `exportfs -v` with the wanted export and applies the exports files (`exportfs -ra`) when
 * they differ, e.g. after someone ran `exportfs -u` by hand.
 */
export const exportTable: ActionHandler<ExportTableAction> = async (action, context) => {
  const { host } = context;
  const before = await tableProblems(host, action);
  if (before.length === 0) return { changed: false };
  if (context.checkOnly)
    return { changed: true, detail: `would run exportfs -ra: the table ${before.join('; ')}` };
  await context.aboutToChange();
  await host.runOrFail({ argv: ['exportfs', '-ra'] }, 'applying the exports files (exportfs -ra)');
  const after = await tableProblems(host, action);
  if (after.length > 0) {
    throw new StepFailure(
      `exportfs -ra ran on ${host.label}, but its export table still ${after.join('; ')}. Check /etc/exports and /etc/exports.d for entries of the same path, and the server's log.`,
    );
  }
  return { changed: true, detail: `exportfs -ra (the table ${before.join('; ')})` };
};

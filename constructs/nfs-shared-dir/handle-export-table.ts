/**
 * The server's applied export table: what clients can really mount, beyond the exports file. An
 * operation on the core's frame (src/frame): the table is the fact; the decision compares it with
 * the wanted export and calls for `exportfs -ra` when they differ (e.g. after someone ran
 * `exportfs -u` by hand); the frame does check-only mode, the change and its verification.
 */
import type { Fact } from '../../src/frame/fact';
import { EXPORT_TABLE_FACT } from './facts';
import { change, noop, Operation, runOperation } from '../../src/frame/operation';
import type { ActionHandler } from '../../src/runner/action-handler';
import type { ExportTableAction } from './actions';
import { exportTableProblems } from './export-options';
import type { ExportTableEntry } from './parse';

export const EXPORT_TABLE_OPERATION: Operation<ExportTableAction, { table: Fact<ExportTableEntry[]> }> = {
  facts: () => ({ table: EXPORT_TABLE_FACT }),
  decide: ({ table }, action) => {
    const problems = exportTableProblems(table, action.exportPath, action.clients, action.options);
    if (problems.length === 0) return noop('the export table is as wanted');
    return change({
      description: `exportfs -ra (the table ${problems.join('; ')})`,
      intent: `run exportfs -ra: the table ${problems.join('; ')}`,
      reason: problems.join('; '),
      calls: [{ command: { argv: ['exportfs', '-ra'] }, what: 'applying the exports files (exportfs -ra)' }],
    });
  },
  notHeld: (after, _action, host) =>
    `exportfs -ra ran on ${host.label}, but its export table still ${after.changes.map((c) => c.reason).join('; ')}. Check /etc/exports and /etc/exports.d for entries of the same path, and the server's log.`,
};

export const exportTable: ActionHandler<ExportTableAction> = (action, context) =>
  runOperation(EXPORT_TABLE_OPERATION, action, context);

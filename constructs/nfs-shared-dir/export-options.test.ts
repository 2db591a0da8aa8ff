import { exportsFileFor, exportTableProblems, renderExportsFile } from './export-options';
import { parseExportfsVerbose } from './parse';
import { NFS_ADVICE_RULES } from './advice-rules';
import type { NfsSharedDirConfig } from './props';

/** `exportfs -v` of nfs-utils 2.x: a path over 14 characters moves the client to its own line. */
const EXPORTFS_V = [
  '/srv/da-shared',
  '\t\t10.0.0.11(sync,wdelay,hide,no_subtree_check,sec=sys,rw,secure,root_squash,no_all_squash)',
  '/srv/da-shared',
  '\t\t10.0.0.12(sync,wdelay,hide,no_subtree_check,sec=sys,rw,secure,root_squash,no_all_squash)',
  '/export       \t<world>(sync,wdelay,hide,no_subtree_check,sec=sys,ro,secure,root_squash,no_all_squash)',
  '',
].join('\n');

const DEFAULTS = ['rw', 'sync', 'no_subtree_check', 'root_squash', 'sec=sys'];

describe('exports file', () => {
  it('is named after the exported path', () => {
    expect(exportsFileFor('/srv/da-shared')).toBe('/etc/exports.d/cdktf-failover-srv-da-shared.exports');
    expect(exportsFileFor('/DA_Shared.Repo')).toBe('/etc/exports.d/cdktf-failover-da-shared-repo.exports');
  });

  it('exports the path to exactly the clients, each with the options', () => {
    expect(renderExportsFile('/srv/da-shared', ['10.0.0.11', 'fd00::12'], DEFAULTS)).toBe(
      '# Managed by cdktf-failover (NfsSharedDir): the shared directory /srv/da-shared. Edits are overwritten.\n' +
        '/srv/da-shared 10.0.0.11(rw,sync,no_subtree_check,root_squash,sec=sys) fd00::12(rw,sync,no_subtree_check,root_squash,sec=sys)\n',
    );
  });

  it('advises against async and no_root_squash, each by its rule', () => {
    const config = (exportOptions: string[]) =>
      ({ server: { kind: 'host', exportOptions }, clients: [{}, {}] }) as unknown as NfsSharedDirConfig;
    const findings = (exportOptions: string[]) =>
      NFS_ADVICE_RULES.flatMap((rule) =>
        rule.check(config(exportOptions)).map((a) => `${rule.id}: ${a.message.slice(0, 40)}`),
      );
    expect(findings(DEFAULTS)).toEqual([]);
    expect(findings(['rw', 'async', 'no_root_squash'])).toEqual([
      'NFS-EXPORT-ASYNC: exportOptions include async: the server ',
      'NFS-EXPORT-NO-ROOT-SQUASH: exportOptions include no_root_squash: ro',
    ]);
  });
});

describe('exportTableProblems', () => {
  const table = parseExportfsVerbose(EXPORTFS_V);

  it('finds nothing when the path goes to exactly the clients with the options', () => {
    expect(exportTableProblems(table, '/srv/da-shared', ['10.0.0.11', '10.0.0.12'], DEFAULTS)).toEqual([]);
  });

  it('names a missing path, missing and extra clients', () => {
    expect(exportTableProblems(table, '/srv/other', ['10.0.0.11'], DEFAULTS)).toEqual([
      'does not export /srv/other',
    ]);
    expect(exportTableProblems(table, '/srv/da-shared', ['10.0.0.11', '10.0.0.13'], DEFAULTS)).toEqual([
      'does not export /srv/da-shared to 10.0.0.13',
      'also exports /srv/da-shared to 10.0.0.12',
    ]);
  });

  it('names options the table lacks, ignoring those exportfs does not list', () => {
    const ro = parseExportfsVerbose(EXPORTFS_V.replace(/,rw,/g, ',ro,'));
    expect(
      exportTableProblems(
        ro,
        '/srv/da-shared',
        ['10.0.0.11', '10.0.0.12'],
        [...DEFAULTS, 'subtree_check'],
      )[0],
    ).toBe(
      'exports /srv/da-shared to 10.0.0.11 without rw (it has sync,wdelay,hide,no_subtree_check,sec=sys,ro,secure,root_squash,no_all_squash)',
    );
  });

  it('takes the fully qualified name exportfs prints for a short host name', () => {
    const fqdn = parseExportfsVerbose(
      '/srv/x         \tda1.example.com(sync,wdelay,hide,no_subtree_check,sec=sys,rw,secure,root_squash,no_all_squash)\n',
    );
    expect(exportTableProblems(fqdn, '/srv/x', ['da1'], DEFAULTS)).toEqual([]);
  });
});

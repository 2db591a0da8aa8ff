/** The run summary's pure parts: topology from specs, marks from reports, Mermaid and Markdown, escaping. */
import { constructTopologyReaders } from '../../constructs/topology';
import { problemList, StepFailure } from '../../src/errors';
import type { StepReport } from '../../src/runner/execute-step';
import { formatJsonLine } from '../../src/runner/report';
import type { StackStep } from '../../src/runner/stack-specs';
import { markdownLinkTarget, markdownText, mermaidText } from '../../src/summary/escape';
import { renderSummary } from '../../src/summary/markdown';
import { renderMermaid } from '../../src/summary/mermaid';
import { parseRunReports } from '../../src/summary/run-reports';
import { runView } from '../../src/summary/run-view';
import { topologyOfStack } from '../../src/summary/stack-topology';
import { HOLDS_VIRTUAL_IPS } from '../../src/summary/topology';
import { PINNED_KEY } from '../support/synth-hosts';

const readers = constructTopologyReaders();

const host = (name: string, address: string) => ({
  name,
  address,
  port: 22,
  user: 'deploy',
  os: 'windows',
  credentials: { kind: 'agent' },
  hostKeySha256: PINNED_KEY,
  acceptUnknownHostKey: false,
  sudo: false,
  connectTimeoutSeconds: 30,
  commandTimeoutSeconds: 300,
  keepBackups: 5,
});
const dma1 = host('dma1', '10.0.0.11');
const dma2 = host('dma2', '10.0.0.12');
const agent = (h: typeof dma1, role: 'primary' | 'backup') => ({
  host: h,
  installDir: 'C:\\DM',
  taskbarUtility: 'x.exe',
  role,
});

function step(resource: string, spec: object, after: string[] = []): StackStep {
  return {
    resource,
    spec: JSON.stringify({ specVersion: 1, when: 'create', ...spec }),
    destroyTime: false,
    rerunsWithAnyStep: false,
    after,
  };
}

/** A DataMiner pair's preflight and its failover-enabled check, and a built-in step on a third host. */
const STEPS: StackStep[] = [
  step('terraform_data.preflight', {
    id: 'preflight',
    description: 'both agents ready',
    host: dma2,
    actions: [
      {
        kind: 'dataminer-failover-pair.preflight',
        description: 'preflight',
        primary: agent(dma1, 'primary'),
        backup: agent(dma2, 'backup'),
        version: '10.3.0',
        addressing: { kind: 'virtual-ip', virtualIps: ['10.0.0.50'], packetCaptureFiles: [] },
        storage: {
          type: 'dedicated-clustered',
          cassandraHosts: ['10.0.1.5'],
          searchHosts: [],
          tls: false,
          passwordEnvs: {},
          backupPriorityOrder: {},
        },
        ports: [
          { from: 'both', to: 'peer', anyOf: [8004], purpose: '.NET Remoting' },
          { from: 'backup', to: '10.0.1.5', anyOf: [9042, 9142], purpose: 'Cassandra CQL' },
        ],
      },
    ],
  }),
  step(
    'terraform_data.enabled',
    {
      id: 'failover-enabled',
      description: 'Failover on',
      host: dma2,
      actions: [
        {
          kind: 'dataminer-failover-pair.failover-enabled',
          description: 'failover enabled',
          primary: agent(dma1, 'primary'),
          backup: agent(dma2, 'backup'),
          addressing: { kind: 'virtual-ip', virtualIps: ['10.0.0.50'], packetCaptureFiles: [] },
        },
      ],
    },
    ['terraform_data.preflight'],
  ),
  step('terraform_data.tools', {
    id: 'tools',
    description: 'tools on the jump host',
    host: { ...host('jump', '10.0.0.2'), os: 'linux' },
    actions: [{ kind: 'file', path: '/etc/motd', content: 'hi\n' }],
  }),
  { resource: 'terraform_data.later', destroyTime: false, rerunsWithAnyStep: false, after: [] },
];

const report = (
  stepId: string,
  hostLabel: string,
  description: string,
  outcome: StepReport['outcome'],
  extra: Partial<StepReport> = {},
): StepReport => ({
  step: stepId,
  description,
  host: hostLabel,
  outcome,
  checkOnly: false,
  durationMs: 1500,
  actions: [],
  roundTrips: 2,
  remoteCommands: 3,
  ...extra,
});

describe('the topology read from the specs', () => {
  const topology = topologyOfStack(STEPS, readers);

  it('gives each host its roles: agents by name, storage by address, the jump host with none', () => {
    expect(topology.hosts.map((h) => [h.label, h.roles, h.external])).toEqual([
      ['dma1', ['primary DataMiner agent'], false],
      ['dma2', ['backup DataMiner agent'], false],
      ['jump', [], false],
      ['10.0.1.5', ['Cassandra node (dedicated storage)'], true],
    ]);
  });

  it('lists each checked path once, both ways where the check goes both ways, with the step that checks it', () => {
    expect(topology.paths).toEqual([
      {
        from: '10.0.0.11',
        to: '10.0.0.12',
        protocol: 'tcp',
        ports: [8004],
        purpose: '.NET Remoting',
        checkedBy: ['terraform_data.preflight'],
      },
      {
        from: '10.0.0.12',
        to: '10.0.0.11',
        protocol: 'tcp',
        ports: [8004],
        purpose: '.NET Remoting',
        checkedBy: ['terraform_data.preflight'],
      },
      {
        from: '10.0.0.12',
        to: '10.0.1.5',
        protocol: 'tcp',
        ports: [9042, 9142],
        purpose: 'Cassandra CQL',
        checkedBy: ['terraform_data.preflight'],
      },
    ]);
    expect(topology.sharedAddresses).toEqual([
      { address: '10.0.0.50', kind: 'virtual IP', candidates: ['10.0.0.11', '10.0.0.12'] },
    ]);
  });

  it('knows which hosts each step involves, and keeps a step whose spec holds apply-time values', () => {
    expect(topology.steps.map((s) => [s.id, s.host, s.involves])).toEqual([
      ['preflight', '10.0.0.12', ['10.0.0.12', '10.0.0.11', '10.0.1.5']],
      ['failover-enabled', '10.0.0.12', ['10.0.0.12', '10.0.0.11']],
      ['tools', '10.0.0.2', ['10.0.0.2']],
      ['terraform_data.later', undefined, []],
    ]);
  });

  it('refuses an action it cannot read with a sentence naming the step and the fix', () => {
    const broken = step('terraform_data.broken', {
      id: 'p',
      description: '',
      host: dma1,
      actions: [{ kind: 'dataminer-failover-pair.preflight' }],
    });
    expect(() => topologyOfStack([broken], readers)).toThrow(StepFailure);
    expect(() => topologyOfStack([broken], readers)).toThrow(
      /^the action "dataminer-failover-pair.preflight" of terraform_data.broken cannot be read \(.*\): synthesize the stack again with this version of cdktf-failover$/,
    );
  });
});

describe('the marks of a run', () => {
  const topology = topologyOfStack(STEPS, readers);
  const reports = [
    report('preflight', 'dma2', 'both agents ready', 'failed', { reason: 'old failure' }),
    report('preflight', 'dma2', 'both agents ready', 'ok'),
    report('failover-enabled', 'dma2', 'Failover on', 'ok', {
      actions: [
        {
          action: 'failover enabled',
          outcome: 'ok',
          hostStates: { dma1: HOLDS_VIRTUAL_IPS, dma2: 'does not hold the virtual IPs' },
        },
      ],
    }),
    report('tools', 'jump', 'an older description', 'changed'),
  ];
  const view = runView('pair', topology, reports);

  it('takes the last report of a step; a report of another synth matches nothing', () => {
    expect(view.steps.map((s) => s.mark)).toEqual(['ok', 'ok', 'not run', 'skipped']);
    expect(view.unmatchedReports.map((r) => r.description)).toEqual(['an older description']);
  });

  it('marks hosts by the steps that involve them, paths by the steps that check them, and the VIP holder read', () => {
    expect(view.hosts.map((h) => [h.host.label, h.mark, h.states])).toEqual([
      ['dma1', 'ok', [{ state: HOLDS_VIRTUAL_IPS, step: 'failover-enabled' }]],
      ['dma2', 'ok', [{ state: 'does not hold the virtual IPs', step: 'failover-enabled' }]],
      ['jump', 'not run', []],
      ['10.0.1.5', 'ok', []],
    ]);
    expect(view.paths.map((p) => p.mark)).toEqual(['open', 'open', 'open']);
    expect(view.sharedAddresses.map((s) => s.holders)).toEqual([['10.0.0.11']]);
  });

  it('without reports, everything is planned and the holder unknown', () => {
    const planned = runView('pair', topology);
    expect(new Set(planned.hosts.map((h) => h.mark))).toEqual(new Set(['planned']));
    expect(new Set(planned.paths.map((p) => p.mark))).toEqual(new Set(['planned']));
    expect(planned.sharedAddresses[0].holders).toBeUndefined();
  });

  it('a failed check leaves its paths unconfirmed, not closed', () => {
    const failed = runView('pair', topology, [
      report('preflight', 'dma2', 'both agents ready', 'failed', { reason: 'x' }),
    ]);
    expect(failed.paths.map((p) => p.mark)).toEqual(['unconfirmed', 'unconfirmed', 'unconfirmed']);
    expect(failed.hosts.map((h) => h.mark)).toEqual(['failed', 'failed', 'not run', 'failed']);
  });
});

describe('the Mermaid diagram', () => {
  it('draws hosts, merged two-way edges, the storage as a cylinder and the VIP held', () => {
    const topology = topologyOfStack(STEPS, readers);
    const view = runView('pair', topology, [
      report('preflight', 'dma2', 'both agents ready', 'ok'),
      report('failover-enabled', 'dma2', 'Failover on', 'ok', {
        actions: [
          {
            action: 'f',
            outcome: 'ok',
            hostStates: { dma1: HOLDS_VIRTUAL_IPS, dma2: 'does not hold the virtual IPs' },
          },
        ],
      }),
    ]);
    expect(renderMermaid(view)).toBe(
      [
        'flowchart LR',
        '  host1["<b>dma1</b><br/>10.0.0.11<br/><i>primary DataMiner agent</i><br/><b>holds the virtual IPs</b> (read by failover-enabled)<br/>ok"]',
        '  host2["<b>dma2</b><br/>10.0.0.12<br/><i>backup DataMiner agent</i><br/><b>does not hold the virtual IPs</b> (read by failover-enabled)<br/>ok"]',
        '  host3["<b>jump</b><br/>10.0.0.2<br/>not run"]',
        '  host4[("<b>10.0.1.5</b><br/><i>Cassandra node (dedicated storage)</i><br/>ok")]',
        '  host1 <-->|"tcp 8004 (open)"| host2',
        '  host2 -->|"tcp 9042 or 9142 (open)"| host4',
        '  shared1{{"virtual IP<br/><b>10.0.0.50</b>"}}',
        '  shared1 ===|"held by"| host1',
        '  shared1 -.-|"not held by"| host2',
        '  classDef ok fill:#e8f5e9,stroke:#2e7d32,color:#1b5e20',
        '  class host1,host2,host4 ok',
        '  classDef notrun fill:#f5f5f5,stroke:#9e9e9e,stroke-dasharray:4 4,color:#616161',
        '  class host3 notrun',
        '  linkStyle 0 stroke:#2e7d32,stroke-width:2px',
        '  linkStyle 1 stroke:#2e7d32,stroke-width:2px',
        '  linkStyle 2 stroke:#2e7d32,stroke-width:2px',
      ].join('\n'),
    );
  });
});

describe('escaping', () => {
  it('turns every character Mermaid or HTML could read into an entity code', () => {
    expect(mermaidText('a"]; click x call alert(1) <b>#quot;|`\n:')).toBe(
      'a#34;#93;#59; click x call alert(1) #60;b#62;#35;quot#59;#124;#96;#10;#58;',
    );
    expect(mermaidText('lab-a 10.0.0.1 (proxy), ok')).toBe('lab-a 10.0.0.1 (proxy), ok');
    expect(mermaidText('→😀')).toBe('#8594;#128512;');
  });

  it('keeps Markdown text as text: no emphasis, link, HTML, mention, math, pipe or list', () => {
    expect(markdownText('| **b** [l](javascript:x) <script>@team $x$ _i_ `c` ~s~ #h!')).toBe(
      '\\| \\*\\*b\\*\\* \\[l\\](javascript:x) &lt;script&gt;&#64;team \\$x\\$ \\_i\\_ \\`c\\` \\~s\\~ \\#h\\!',
    );
    expect(markdownText('- item')).toBe('\\- item');
    expect(markdownText('1. first')).toBe('1\\. first');
    expect(markdownText('198.18.0.1')).toBe('198.18.0.1');
    expect(markdownText('two\nlines', 'br')).toBe('two<br>lines');
    expect(markdownText('two\r\nlines')).toBe('two lines');
    expect(markdownLinkTarget('assets/A (1)/run book.md')).toBe('assets/A%20%281%29/run%20book.md');
  });
});

describe('the Markdown summary', () => {
  const topology = topologyOfStack(STEPS.slice(0, 1), readers);
  const reason = problemList('the agents are not ready:', [
    'dma2 cannot reach dma1 on tcp 8004: open tcp 8004 from dma2 to dma1',
    'dma1 runs **10.2** | not 10.3: upgrade dma1',
  ]);
  const view = runView('pair', topology, [
    report('preflight', 'dma2', 'both agents ready', 'failed', { reason, durationMs: 2345, roundTrips: 4 }),
  ]);
  const markdown = renderSummary(view, [
    { path: 'assets/Pair_Runbook_1A2B3C4D/F00/failover-runbook.md', construct: 'Pair' },
  ]);

  it('has the headline, the steps table, the paths and the problems with their fixes, exactly', () => {
    expect(markdown).toContain('**Failed**: 1 failed (1 step on 2 hosts, 3 network paths).');
    expect(markdown).toContain(
      [
        '| # | step | host | outcome | time | round trips | what changed |',
        '| ---: | --- | --- | --- | ---: | ---: | --- |',
        '| 1 | preflight | dma2 | **FAILED** | 2.35 s | 4 | see the problems below |',
      ].join('\n'),
    );
    expect(markdown).toContain('| dma2 | 10.0.1.5 | tcp 9042 or 9142 | Cassandra CQL | unconfirmed |');
    expect(markdown).toContain(
      [
        '### Problems and their fixes',
        '',
        '- **preflight** on dma2: the agents are not ready:',
        '  - dma2 cannot reach dma1 on tcp 8004: open tcp 8004 from dma2 to dma1',
        '  - dma1 runs \\*\\*10.2\\*\\* \\| not 10.3: upgrade dma1',
      ].join('\n'),
    );
    expect(markdown).toContain(
      '- Pair: [failover-runbook.md](assets/Pair_Runbook_1A2B3C4D/F00/failover-runbook.md) (in the stack folder: assets/Pair\\_Runbook\\_1A2B3C4D/F00/failover-runbook.md)',
    );
    expect(markdown).toContain('- virtual IP 10.0.0.50: holder unknown: no step of this run read it\n');
    expect(markdown.startsWith('## Failover summary: pair\n\n')).toBe(true);
    expect(markdown).toContain('```mermaid\nflowchart LR\n');
  });

  it('says a planned summary is planned, and shows what changed in a run', () => {
    const planned = renderSummary(runView('pair', topology), []);
    expect(planned).toContain(
      'Planned: 1 step on 2 hosts, 3 network paths. No run report was given (`--report`): nothing is marked yet.',
    );
    expect(planned).not.toContain('### Problems and their fixes');
    expect(planned).toContain('No construct of this stack writes a runbook.');
    const changed = renderSummary(
      runView('pair', topology, [
        report('preflight', 'dma2', 'both agents ready', 'changed', {
          actions: [
            { action: 'file /etc/a|b', outcome: 'changed', detail: 'kept <old>' },
            { action: 'x', outcome: 'ok' },
          ],
        }),
      ]),
      [],
    );
    expect(changed).toContain(
      '| 1 | preflight | dma2 | changed | 1.50 s | 2 | file /etc/a\\|b (kept &lt;old&gt;) |',
    );
    expect(changed).toContain('Deployed: 1 changed (1 step on 2 hosts, 3 network paths).');
    expect(changed).toContain('None: no step failed.');
  });
});

describe('reading reports', () => {
  const r = report('preflight', 'dma2', 'both agents ready', 'ok');

  it('reads the runner JSONL and the line of check --json', () => {
    const text = `${formatJsonLine(r)}\n\n${JSON.stringify({ event: 'check', outcome: 'ok', steps: [r] })}\n`;
    expect(parseRunReports(text, 'run.jsonl')).toEqual([r, r]);
  });

  it('names the line and the fix when a line is not a report', () => {
    expect(() => parseRunReports(`${formatJsonLine(r)}\nnot json`, 'run.jsonl')).toThrow(
      /^line 2 of run.jsonl is not JSON \(.*\): give --report the file CDKTF_FAILOVER_REPORT_FILE named during terraform apply, or the output of cdktf-failover check --json$/,
    );
    expect(() => parseRunReports('{"event":"step","step":"x"}', 'run.jsonl')).toThrow(
      /^line 1 of run.jsonl is not a step report \(/,
    );
  });
});

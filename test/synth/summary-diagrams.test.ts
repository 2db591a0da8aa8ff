/**
 * The summary's Mermaid diagrams as a person sees them: each demo stack synthesized (not deployed),
 * summarized, and its diagram rendered by the `mermaid` package in Debian's headless chromium.
 * Asserts it parses and draws the expected hosts and edges; saves a PNG of each under
 * test-output/summary/ for a person to look at.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { constructTopologyReaders } from '../../constructs/topology';
import { renderMermaid } from '../../src/summary/mermaid';
import { runView } from '../../src/summary/run-view';
import { topologyOfStack } from '../../src/summary/stack-topology';
import { summarizeStack } from '../../src/summary/summarize';
import { MermaidBrowser, type RenderedDiagram } from '../support/mermaid-browser';
import {
  dataMinerFailedReports,
  HOSTILE,
  hostileReports,
  hostileSteps,
  netOpsRunReports,
  synthDemoStacks,
  writeReportFile,
} from '../support/summary-fixtures';

jest.setTimeout(120_000);

const OUTPUT = path.join(__dirname, '..', '..', 'test-output', 'summary');
const readers = constructTopologyReaders();
let browser: MermaidBrowser;
let stacks: ReturnType<typeof synthDemoStacks>;
let workDir: string;

/** The Mermaid source inside the summary's ```mermaid fence. */
function diagramOf(markdown: string): string {
  const fenced = /```mermaid\n([\s\S]*?)\n```/.exec(markdown);
  if (!fenced) throw new Error(`the summary has no mermaid block:\n${markdown}`);
  return fenced[1];
}

async function draw(name: string, markdown: string): Promise<RenderedDiagram> {
  const drawn = await browser.render(diagramOf(markdown), path.join(OUTPUT, `${name}.png`));
  expect(drawn.error).toBeUndefined();
  expect(drawn.injected).toBe(0);
  expect(fs.statSync(drawn.png!).size).toBeGreaterThan(2000);
  return drawn;
}

/** The node whose text starts with this host's name. */
function node(drawn: RenderedDiagram, label: string): string {
  const found = drawn.nodes.filter((n) => n.startsWith(`${label} `));
  expect(found).toHaveLength(1);
  return found[0];
}

beforeAll(async () => {
  // Fails first, with what to install, when chromium is missing.
  browser = await MermaidBrowser.start();
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'failover-summary-'));
  stacks = synthDemoStacks(workDir);
  fs.rmSync(OUTPUT, { recursive: true, force: true });
});

afterAll(async () => {
  await browser?.close();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

test('lab-demo, planned: two hosts and no checked path', async () => {
  const drawn = await draw('lab-demo-planned', summarizeStack(stacks['lab-demo'], readers));
  expect(drawn.nodes).toEqual(['lab-a 198.18.0.11', 'lab-b 198.18.0.12']);
  expect(drawn.edges).toBe(0);
});

test('netops-demo, planned: seven hosts by role and eleven edges with their ports', async () => {
  const drawn = await draw('netops-demo-planned', summarizeStack(stacks['netops-demo'], readers));
  expect(drawn.nodes).toEqual([
    'lab-a 198.18.0.11 proxy server',
    'lab-b 198.18.0.12 active data aggregator NFS client',
    'lab-c 198.18.0.13 inactive data aggregator NFS client',
    'lab-d 198.18.0.14 data collector',
    'lab-e 198.18.0.15 data collector',
    'lab-f 198.18.0.16 NFS server',
    '198.18.0.17 data repository',
  ]);
  expect(drawn.edges).toBe(11);
  expect([...drawn.edgeLabels].sort()).toEqual(
    [
      'tcp 8300, 8301, 8500 · udp 8301',
      'tcp 8300, 8301, 8500 · udp 8301',
      // Consul needs server RPC and LAN gossip between the two aggregators as well.
      'tcp 8300, 8301 · udp 8301',
      'tcp 5433',
      'tcp 5433',
      'tcp 8581, 61616',
      'tcp 8581, 61616',
      'tcp 8581, 61616',
      'tcp 8581, 61616',
      'NFS mount',
      'NFS mount',
    ].sort(),
  );
});

test('dataminer-demo, planned: both agents, their ports, and the virtual IP either may hold', async () => {
  const drawn = await draw('dataminer-demo-planned', summarizeStack(stacks['dataminer-demo'], readers));
  expect(drawn.nodes).toEqual([
    'lab-a 198.18.0.11 primary DataMiner agent',
    'lab-b 198.18.0.12 backup DataMiner agent',
    'virtual IP 198.18.0.50',
  ]);
  expect(drawn.edges).toBe(3);
  expect(drawn.edgeLabels).toEqual([
    'tcp 8004, 4222, 6222, 9090',
    'the online agent holds it',
    'the online agent holds it',
  ]);
});

test('netops-demo after a run (fixture report): hosts marked, paths open, lab-b Active', async () => {
  const report = writeReportFile(
    path.join(workDir, 'netops-run.jsonl'),
    netOpsRunReports(stacks['netops-demo']),
  );
  const drawn = await draw('netops-demo-run', summarizeStack(stacks['netops-demo'], readers, report));
  expect(node(drawn, 'lab-b')).toBe(
    'lab-b 198.18.0.12 active data aggregator NFS client Active (read by health) changed',
  );
  expect(node(drawn, 'lab-c')).toBe(
    'lab-c 198.18.0.13 inactive data aggregator NFS client Inactive (read by health) changed',
  );
  expect(node(drawn, 'lab-f')).toBe('lab-f 198.18.0.16 NFS server ok');
  expect(drawn.edges).toBe(11);
  expect(drawn.edgeLabels.every((l) => l.endsWith('(open)'))).toBe(true);
});

test('dataminer-demo after a failed preflight (fixture report): both agents FAILED, ports unconfirmed', async () => {
  const report = writeReportFile(
    path.join(workDir, 'dataminer-run.jsonl'),
    dataMinerFailedReports(stacks['dataminer-demo']),
  );
  const drawn = await draw(
    'dataminer-demo-failed',
    summarizeStack(stacks['dataminer-demo'], readers, report),
  );
  expect(drawn.nodes).toEqual([
    'lab-a 198.18.0.11 primary DataMiner agent FAILED',
    'lab-b 198.18.0.12 backup DataMiner agent FAILED',
    'virtual IP 198.18.0.50',
  ]);
  expect(drawn.edgeLabels[0]).toBe('tcp 8004, 4222, 6222, 9090 (unconfirmed)');
});

test('hostile host names, roles and purposes stay text: same nodes and edges, nothing injected', async () => {
  const view = runView('hostile', topologyOfStack(hostileSteps(), readers), hostileReports());
  const drawn = await browser.render(renderMermaid(view), path.join(OUTPUT, 'hostile.png'));
  expect(drawn.error).toBeUndefined();
  expect(drawn.injected).toBe(0);
  expect(drawn.nodes).toEqual([
    `plain 192.0.2.7 active data aggregator FAILED`,
    `${HOSTILE.name} ${HOSTILE.address} ${HOSTILE.role.replace(/\s+/g, ' ')} ${HOSTILE.role.replace(/\s+/g, ' ')} (read by preflight) FAILED`,
  ]);
  expect(drawn.edges).toBe(2);
  expect(drawn.edgeLabels).toEqual(['tcp 8300 (unconfirmed)', 'udp 8301 (unconfirmed)']);
});

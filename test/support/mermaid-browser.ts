/**
 * Renders Mermaid diagrams the way a person sees them: the `mermaid` package from npm in Debian's
 * headless chromium, driven by puppeteer-core over a pipe (puppeteer-core never downloads a
 * browser). Returns what was drawn (node labels, edges) and saves a PNG of each diagram.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

/** What one diagram drew, read back from the rendered SVG. */
export interface RenderedDiagram {
  /** The error Mermaid gave instead of a diagram, if any. */
  readonly error?: string;
  /** The text of each node, whitespace collapsed, in drawing order. */
  readonly nodes: readonly string[];
  /** How many edges were drawn. */
  readonly edges: number;
  /** The text of each edge label. */
  readonly edgeLabels: readonly string[];
  /** Elements Mermaid should never have drawn from label text (script, img, a foreign onerror). */
  readonly injected: number;
  /** Where the screenshot is. */
  readonly png?: string;
}

const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/lib/chromium/chromium', '/usr/bin/chromium-browser'];

/** Debian's chromium, or one sentence saying what to install. */
export function findChromium(): string {
  const found = CHROMIUM_CANDIDATES.find((file) => fs.existsSync(file));
  if (found) return found;
  const which = spawnSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  throw new Error(
    "Chromium is not installed: the summary diagram tests render Mermaid in Debian's headless chromium. Install it as root with `apt-get install -y chromium` (npm test does so through test/lab/require-prerequisites.mjs --browser).",
  );
}

/** The page's side: parse, render, and read back what the SVG holds. Runs in the browser. */
const RENDER_IN_PAGE = `async (source) => {
  const out = document.getElementById('out');
  out.innerHTML = '';
  try {
    await mermaid.parse(source);
    const { svg } = await mermaid.render('diagram' + Date.now(), source);
    out.innerHTML = svg;
  } catch (error) {
    return { error: String((error && error.message) || error), nodes: [], edges: 0, edgeLabels: [], injected: 0 };
  }
  // A line break in a label reads as a space, as a person reads it.
  const text = (el) => {
    const copy = el.cloneNode(true);
    copy.querySelectorAll('br').forEach((br) => br.replaceWith(' '));
    return (copy.textContent || '').replace(/\\s+/g, ' ').trim();
  };
  const svg = out.querySelector('svg');
  return {
    nodes: [...svg.querySelectorAll('g.node')].map(text),
    edges: svg.querySelectorAll('path.flowchart-link').length,
    edgeLabels: [...svg.querySelectorAll('g.edgeLabel')].map(text).filter((t) => t !== ''),
    injected: svg.querySelectorAll('script, img, iframe, [onerror], [onclick], a[href^="javascript"]').length,
  };
}`;

export class MermaidBrowser {
  private constructor(private readonly browser: Browser) {}

  static async start(): Promise<MermaidBrowser> {
    const browser = await puppeteer.launch({
      executablePath: findChromium(),
      headless: true,
      pipe: true,
      // As root in a container: no sandbox; no GPU here.
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--font-render-hinting=none'],
    });
    return new MermaidBrowser(browser);
  }

  /** Renders one diagram in a fresh page and, unless it failed, saves its screenshot as `png`. */
  async render(source: string, png: string): Promise<RenderedDiagram> {
    const page = await this.browser.newPage();
    try {
      await page.setViewport({ width: 1400, height: 900, deviceScaleFactor: 1 });
      await page.setContent(
        '<!doctype html><html><body style="margin:16px;background:#fff"><div id="out"></div></body></html>',
      );
      await page.addScriptTag({ path: require.resolve('mermaid/dist/mermaid.min.js') });
      await page.evaluate(
        "mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'default', flowchart: { htmlLabels: true } })",
      );
      const drawn = (await page.evaluate(
        `(${RENDER_IN_PAGE})(${JSON.stringify(source)})`,
      )) as RenderedDiagram;
      if (drawn.error) return drawn;
      const svg = await page.$('#out svg');
      if (!svg) return { ...drawn, error: 'Mermaid drew no SVG' };
      fs.mkdirSync(path.dirname(png), { recursive: true });
      await svg.screenshot({ path: png as `${string}.png` });
      return { ...drawn, png };
    } finally {
      await page.close();
    }
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}

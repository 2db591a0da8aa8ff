/**
 * Quoting of any text that reaches the summary from outside (host names, descriptions, reasons,
 * file names): in a Mermaid label it stays one label, in Markdown it stays text.
 */

/** Characters that mean nothing to Mermaid inside a quoted label, nor to the HTML it renders. */
const MERMAID_PLAIN = /[A-Za-z0-9 .,_()+=@/-]/;

/**
 * Text for a quoted Mermaid label (`id["…"]`, `-->|"…"|`): every other character as Mermaid's
 * entity code `#<decimal>;`, so quotes, brackets, pipes, `#`, `:`, `;`, markup and line breaks
 * are drawn as the characters they are. `:` too, because Mermaid rewrites lines matching
 * `style…:…#…;` before it parses them.
 */
export function mermaidText(text: string): string {
  let out = '';
  for (const char of text) out += MERMAID_PLAIN.test(char) ? char : `#${char.codePointAt(0)};`;
  return out;
}

const MARKDOWN_ESCAPED = /[\\`*_[\]{}|~#$!<>&@]/g;
const MARKDOWN_ENTITIES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '@': '&#64;' };

/**
 * Inline Markdown text (GitHub's flavour: a table cell, a list item): emphasis, links, code, math,
 * HTML, mentions and pipes stay text; line breaks become `<br>` in a cell and spaces elsewhere.
 */
export function markdownText(text: string, lineBreak: 'space' | 'br' = 'space'): string {
  const escaped = text
    .replace(/\r\n?/g, '\n')
    .replace(MARKDOWN_ESCAPED, (c) => MARKDOWN_ENTITIES[c] ?? `\\${c}`)
    // What starts a line could start a list or a heading.
    .replace(
      /^([-+])(?=\s|$)|^(\d+)([.)])(?=\s|$)/,
      (_m, sign: string | undefined, digits: string, dot: string) =>
        sign ? `\\${sign}` : `${digits}\\${dot}`,
    );
  return escaped.split('\n').join(lineBreak === 'br' ? '<br>' : ' ');
}

/** A link target for a relative path: each segment percent-encoded, so no character ends the link. */
export function markdownLinkTarget(relativePath: string): string {
  return relativePath
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(
        /[()'!*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join('/');
}

/**
 * Line-based files (/etc/fstab, /etc/exports.d/*.exports). Lines this edit does not select are kept
 * byte for byte, including their line endings.
 */
export interface LineEdit {
  readonly line: string;
  /** Regular expression (source) selecting the lines this one stands for. @default the exact line */
  readonly match?: string;
  /** @default "present" */
  readonly state?: 'present' | 'absent';
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Splits into lines that each keep their own terminator, so joining gives back the exact input. */
export function splitKeepingEndings(content: string): string[] {
  return content.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/**
 * Returns the new content. Present: the first selected line becomes `line` and any further selected
 * lines go (one mount point, one fstab entry), or `line` is appended. Absent: selected lines go.
 */
export function editLines(content: string | undefined, edit: LineEdit): string {
  if (/[\r\n]/.test(edit.line)) throw new Error('a managed line may not contain a line break');
  const selector = new RegExp(edit.match ?? `^${escapeRegExp(edit.line)}$`);
  const lines = splitKeepingEndings(content ?? '');
  const bare = (l: string) => l.replace(/\r?\n$/, '');
  const out: string[] = [];
  let placed = false;
  for (const l of lines) {
    if (!selector.test(bare(l))) {
      out.push(l);
      continue;
    }
    if (edit.state === 'absent' || placed) continue;
    placed = true;
    out.push(edit.line + (l.endsWith('\r\n') ? '\r\n' : '\n'));
  }
  if (!placed && edit.state !== 'absent') {
    if (out.length > 0 && !out[out.length - 1].endsWith('\n')) out[out.length - 1] += '\n';
    out.push(`${edit.line}\n`);
  }
  return out.join('');
}

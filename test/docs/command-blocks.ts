/**
 * The command blocks of a markdown document: fenced blocks tagged `bash`, `sh` or `shell` (other
 * fences are file contents, code excerpts or sample output). An HTML comment on the line just
 * before a block tells the docs test how to treat it:
 *   <!-- docs-test: skip (why this machine cannot run it) -->
 *   <!-- docs-test: background (why it runs until stopped) -->
 * Without one, the block runs and must succeed.
 */
export type BlockMode = 'run' | 'skip' | 'background';

export interface CommandBlock {
  document: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The first non-empty command line: how a block is named in reports. */
  firstLine: string;
  script: string;
  mode: BlockMode;
  reason: string | null;
}

const COMMAND_LANGUAGES = new Set(['bash', 'sh', 'shell']);
const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)\s*$/;
const MARKER = /^\s*<!--\s*docs-test:\s*(skip|background)\s*(?:\((.*)\))?\s*-->\s*$/;
const ANY_MARKER = /<!--\s*docs-test:/;

export class MarkerError extends Error {}

export function commandBlocks(document: string, markdown: string): CommandBlock[] {
  const lines = markdown.split('\n');
  const blocks: CommandBlock[] = [];
  let pendingMarker: { mode: BlockMode; reason: string | null; line: number } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i];
    if (ANY_MARKER.test(text)) {
      const marker = MARKER.exec(text);
      if (!marker) throw new MarkerError(`${document}:${i + 1}: unreadable docs-test marker: ${text.trim()}`);
      if (!marker[2]?.trim()) throw new MarkerError(`${document}:${i + 1}: a docs-test marker needs a reason in parentheses`);
      pendingMarker = { mode: marker[1] as BlockMode, reason: marker[2].trim(), line: i + 1 };
      continue;
    }
    const fence = FENCE.exec(text);
    if (!fence) {
      if (pendingMarker && text.trim()) throw new MarkerError(`${document}:${pendingMarker.line}: a docs-test marker must sit just before a command block`);
      continue;
    }
    const [, indent, ticks, language] = fence;
    const body: string[] = [];
    let end = i + 1;
    const closes = (line: string) => /^(`{3,}|~{3,})$/.test(line.trim()) && line.trim()[0] === ticks[0] && line.trim().length >= ticks.length;
    while (end < lines.length && !closes(lines[end])) {
      body.push(lines[end].startsWith(indent) ? lines[end].slice(indent.length) : lines[end].trimStart());
      end++;
    }
    const isCommand = COMMAND_LANGUAGES.has(language.toLowerCase());
    if (pendingMarker && !isCommand) throw new MarkerError(`${document}:${pendingMarker.line}: a docs-test marker before a \`${language || 'untagged'}\` block (only bash/sh blocks run)`);
    if (isCommand) {
      blocks.push({
        document,
        line: i + 1,
        firstLine: body.find((l) => l.trim() && !l.trim().startsWith('#'))?.trim() ?? '',
        script: body.join('\n'),
        mode: pendingMarker?.mode ?? 'run',
        reason: pendingMarker?.reason ?? null,
      });
    }
    pendingMarker = null;
    i = end;
  }
  if (pendingMarker) throw new MarkerError(`${document}:${pendingMarker.line}: a docs-test marker must sit just before a command block`);
  return blocks;
}

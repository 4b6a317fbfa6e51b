/**
 * Folder-level import cycles. madge --circular sees cycles between files only: two folders can
 * import each other through different files (tasks/ → progress/board, progress/sampler → tasks/)
 * without any file cycle, and that is the coupling the hub's layering forbids.
 */

/** Each file's imports, as madge's `obj()` gives them: paths relative to one root. */
export type FileGraph = Record<string, readonly string[]>;

/**
 * The folder a file belongs to: its first path segment; null for a file at the root (main.ts)
 * or outside it (a library the root's files import).
 */
export function folderOf(file: string): string | null {
  if (file.startsWith('../')) return null;
  const slash = file.indexOf('/');
  return slash < 0 ? null : file.slice(0, slash);
}

/** Which folders import which, with one file import that shows each edge. */
export function folderEdges(files: FileGraph): Map<string, Map<string, string>> {
  const edges = new Map<string, Map<string, string>>();
  for (const [file, imports] of Object.entries(files)) {
    const from = folderOf(file);
    if (!from) continue;
    for (const target of imports) {
      const to = folderOf(target);
      if (!to || to === from) continue;
      const out = edges.get(from) ?? new Map<string, string>();
      if (!out.has(to)) out.set(to, `${file} → ${target}`);
      edges.set(from, out);
    }
  }
  return edges;
}

/** Every cycle between folders (each once, from its smallest folder), as folder lists. */
export function folderCycles(files: FileGraph): string[][] {
  const edges = folderEdges(files);
  const folders = [...new Set([...edges.keys(), ...[...edges.values()].flatMap((m) => [...m.keys()])])].sort();
  const cycles: string[][] = [];
  const seen = new Set<string>();
  for (const start of folders) {
    // Paths from `start` through folders greater than it only, so each cycle is found once.
    const walk = (folder: string, path: string[]): void => {
      for (const next of edges.get(folder)?.keys() ?? []) {
        if (next === start) {
          const key = path.join('>');
          if (!seen.has(key)) cycles.push([...path]);
          seen.add(key);
        } else if (next > start && !path.includes(next)) {
          walk(next, [...path, next]);
        }
      }
    };
    walk(start, [start]);
  }
  return cycles;
}

/** One line per cycle, each step with a file import that makes it. */
export function describeCycles(files: FileGraph): string[] {
  const edges = folderEdges(files);
  return folderCycles(files).map((cycle) =>
    [...cycle, cycle[0]]
      .slice(0, -1)
      .map((from, i) => `${from} → ${cycle[(i + 1) % cycle.length]} (${edges.get(from)!.get(cycle[(i + 1) % cycle.length])})`)
      .join('; '),
  );
}

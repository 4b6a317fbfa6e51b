import { join } from 'node:path';

/** The part of madge's API used here (the package ships no types). */
type Madge = (root: string, options: Record<string, unknown>) => Promise<{ obj(): Record<string, string[]> }>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const madge = require('madge') as Madge;

/**
 * Which folders of the agent may import which: the hub side reaches the workers only through
 * `shared/` ports (and the other way round), and `shared/` stands on nothing of the app.
 */
const FORBIDDEN: Record<string, string[]> = {
  hub: ['workers', 'logs'],
  workers: ['hub'],
  logs: ['hub', 'workers'],
  shared: ['hub', 'workers', 'logs', 'engine', 'host', 'config', 'queue', 'task', 'lifecycle'],
};

function folderOf(file: string): string {
  return file.includes('/') ? file.split('/')[0] : '';
}

/** Every import that crosses a forbidden line, as `from -> to`. */
function forbiddenImports(graph: Record<string, string[]>): string[] {
  const found: string[] = [];
  for (const [from, deps] of Object.entries(graph)) {
    const banned = FORBIDDEN[folderOf(from)] ?? [];
    for (const to of deps) if (banned.includes(folderOf(to))) found.push(`${from} -> ${to}`);
  }
  return found;
}

describe('GridNode folder layering', () => {
  it('finds an import of workers/ from hub/ (the check can fail)', () => {
    expect(forbiddenImports({ 'hub/node-session.ts': ['workers/worker-pool.ts', 'shared/backoff.ts'], 'workers/worker-pool.ts': ['shared/work-report.ts'] })).toEqual([
      'hub/node-session.ts -> workers/worker-pool.ts',
    ]);
  });

  it('has no import across a forbidden line in apps/gridnode/src', async () => {
    const root = join(__dirname);
    const result = await madge(root, {
      fileExtensions: ['ts'],
      tsConfig: join(__dirname, '../../../tsconfig.json'),
      excludeRegExp: [/\.spec\.ts$/],
    });
    const graph = result.obj();
    // The graph must really hold the app: a wrong root would pass with nothing in it.
    expect(graph['hub/node-session.ts']).toEqual(expect.arrayContaining(['shared/work-report.ts', 'shared/backoff.ts']));
    expect(graph['workers/worker-pool.ts']).toEqual(expect.arrayContaining(['shared/work-report.ts']));
    expect(forbiddenImports(graph)).toEqual([]);
  });
});

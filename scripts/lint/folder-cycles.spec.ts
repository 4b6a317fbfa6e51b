import { describeCycles, folderCycles, folderEdges } from './folder-cycles';

describe('folder cycles', () => {
  it('finds two folders that import each other through different files, which no file cycle shows', () => {
    const graph = {
      'tasks/commands.ts': ['progress/board.ts'],
      'progress/board.ts': [],
      'progress/sampler.ts': ['tasks/tasks.service.ts'],
      'tasks/tasks.service.ts': [],
    };
    expect(folderCycles(graph)).toEqual([['progress', 'tasks']]);
    expect(describeCycles(graph)).toEqual([
      'progress → tasks (progress/sampler.ts → tasks/tasks.service.ts); tasks → progress (tasks/commands.ts → progress/board.ts)',
    ]);
  });

  it('reports a longer cycle once, and none for a graph layered one way', () => {
    const cycle = { 'a/x.ts': ['b/y.ts'], 'b/y.ts': ['c/z.ts'], 'c/z.ts': ['a/w.ts'], 'a/w.ts': [] };
    expect(folderCycles(cycle)).toEqual([['a', 'b', 'c']]);
    const layered = { 'a/x.ts': ['b/y.ts', 'c/z.ts'], 'b/y.ts': ['c/z.ts'], 'c/z.ts': [] };
    expect(folderCycles(layered)).toEqual([]);
  });

  it('ignores imports within a folder, files at the root and libraries outside it', () => {
    const graph = { 'main.ts': ['a/x.ts'], 'a/x.ts': ['a/y.ts', '../../libs/contracts/src/index.ts', 'main.ts'], 'a/y.ts': [] };
    expect([...folderEdges(graph).keys()]).toEqual([]);
    expect(folderCycles(graph)).toEqual([]);
  });
});

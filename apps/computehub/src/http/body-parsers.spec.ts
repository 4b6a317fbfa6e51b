import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { bodyParsersByPath, pathPrefixTest } from './body-parsers';

describe('pathPrefixTest', () => {
  const isNodePath = pathPrefixTest(['/gridnode', '/agent']);

  it('matches a path as app.use(paths) does: the prefix, then / or the end, in any case', () => {
    for (const path of ['/gridnode', '/gridnode/', '/gridnode/heartbeat', '/agent/task', '/GridNode/heartbeat', '/AGENT']) {
      expect([path, isNodePath(path)]).toEqual([path, true]);
    }
  });

  it('does not match a longer segment or another path', () => {
    for (const path of ['/gridnodes', '/gridnode.json', '/agents/x', '/api/gridnode', '/', '/api/nodes']) {
      expect([path, isNodePath(path)]).toEqual([path, false]);
    }
  });

  it('reads characters of the paths literally', () => {
    const test = pathPrefixTest(['/a.b']);
    expect([test('/a.b/x'), test('/axb/x')]).toEqual([true, false]);
  });
});

describe('bodyParsersByPath', () => {
  const tag =
    (name: string): RequestHandler =>
    (req, _res, next) => {
      (req as unknown as { seen: string[] }).seen.push(name);
      next();
    };

  function run(path: string): string[] {
    const req = { path, seen: [] as string[] } as unknown as Request & { seen: string[] };
    const next = jest.fn() as NextFunction;
    bodyParsersByPath(['/gridnode'], tag('node'), tag('general'))(req, {} as Response, next);
    expect(next).toHaveBeenCalledWith();
    return req.seen;
  }

  it('runs exactly one set of parsers: the special one on its paths, the general one elsewhere', () => {
    expect(run('/gridnode/heartbeat')).toEqual(['node']);
    expect(run('/api/tasks')).toEqual(['general']);
  });
});

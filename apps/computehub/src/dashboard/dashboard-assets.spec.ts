import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dashboardDirCandidates, DashboardAssets } from './dashboard-assets';

describe('DashboardAssets', () => {
  it('looks beside the built hub first, then in the repository\'s dist', () => {
    expect(dashboardDirCandidates('/r/dist/apps/computehub/apps/computehub/src/dashboard')[0]).toBe('/r/dist/apps/computehub/dashboard-ui');
    expect(dashboardDirCandidates('/r/apps/computehub/src/dashboard')[1]).toBe('/r/dist/apps/computehub/dashboard-ui');
  });

  it('serves only the files it found at start, by name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridcore-ui-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html>');
    writeFileSync(join(dir, 'app.js'), '');
    mkdirSync(join(dir, 'sub'));
    const assets = new DashboardAssets([join(dir, 'missing'), dir]);
    expect(assets.dir).toBe(dir);
    const res = { setHeader: jest.fn(), sendFile: jest.fn() };
    assets.sendFile(res as never, 'app.js');
    expect(res.sendFile).toHaveBeenCalledWith('app.js', { root: dir, dotfiles: 'deny' });
    for (const name of ['nope.js', '..', 'index.html']) expect(() => assets.sendFile(res as never, name)).toThrow(/no dashboard file/);
  });

  it('answers 503 with how to build when nothing is built', () => {
    const assets = new DashboardAssets([join(tmpdir(), 'gridcore-no-such-dir')]);
    const res = { status: jest.fn().mockReturnThis(), type: jest.fn().mockReturnThis(), send: jest.fn() };
    assets.sendIndex(res as never);
    expect(res.status).toHaveBeenCalledWith(503);
    expect(res.send).toHaveBeenCalledWith(expect.stringContaining('npm run build'));
  });
});

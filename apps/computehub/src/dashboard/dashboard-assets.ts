import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import type { Response } from 'express';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where `npm run build` (apps/dashboard-ui/build.mjs) writes the dashboard, under dist/. */
export const DASHBOARD_BUILD_DIR = join('dist', 'apps', 'computehub', 'dashboard-ui');

/**
 * The folders that may hold the built dashboard, best first. This file runs from
 * `apps/computehub/src/dashboard` (ts-node, ts-jest) or from
 * `dist/apps/computehub/apps/computehub/src/dashboard` (the build); four levels up is the
 * repository root in the first case and `dist/apps/computehub` in the second.
 */
export function dashboardDirCandidates(here: string = __dirname): string[] {
  const base = resolve(here, '..', '..', '..', '..');
  return [join(base, 'dashboard-ui'), join(base, DASHBOARD_BUILD_DIR)];
}

/**
 * The built dashboard: an index page and the files beside it, served open (they hold no data;
 * every call they make carries the user's token). Only the files found at start are served,
 * by name, so nothing outside the folder is reachable.
 */
@Injectable()
export class DashboardAssets {
  private readonly logger = new Logger('Dashboard');
  readonly dir: string | null;
  private readonly files: ReadonlySet<string>;

  constructor(candidates: string[] = dashboardDirCandidates()) {
    this.dir = candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? null;
    this.files = new Set(this.dir ? readdirSync(this.dir) : []);
    if (!this.dir) this.logger.warn(`dashboard assets not built (looked in ${candidates.join(', ')}): run npm run build`);
  }

  sendIndex(res: Response): void {
    if (!this.dir) {
      res.status(503).type('text/plain').send('The dashboard is not built: run `npm run build`. The API works without it.');
      return;
    }
    this.send(res, 'index.html');
  }

  sendFile(res: Response, name: string): void {
    if (!this.dir || name === 'index.html' || !this.files.has(name)) throw new NotFoundException(`no dashboard file ${name}`);
    this.send(res, name);
  }

  private send(res: Response, name: string): void {
    // Revalidated on every load (ETag): a new hub version's dashboard is never served stale.
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (name === 'index.html') {
      res.setHeader('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; style-src 'self'; base-uri 'none'; frame-ancestors 'none'");
    }
    res.sendFile(name, { root: this.dir!, dotfiles: 'deny' });
  }
}

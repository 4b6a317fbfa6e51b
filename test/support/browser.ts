import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** shared/ENVIRONMENT.md: Debian's chromium, these flags; Playwright adds a new empty profile. */
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Starts headless Chromium. A machine without it fails the test (scripts/ensure-system.sh
 * installs it); there is no skip, under CI or elsewhere.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run scripts/ensure-system.sh (it installs Debian's chromium)`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS, timeout: 30_000 });
}

/** Builds the dashboard the hub serves, as `npm run build` does (esbuild; about a second). */
export function buildDashboard(): void {
  execFileSync(process.execPath, [join(__dirname, '..', '..', 'apps', 'dashboard-ui', 'build.mjs')], { stdio: 'pipe' });
}

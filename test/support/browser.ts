import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';

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

/**
 * Opens the hub's dashboard in a fresh context and submits `token` on the sign-in form, without
 * waiting for what the dashboard answers; page errors and console errors (other than failed
 * loads) are pushed to `pageErrors`. `watch` sees the page before it loads (to record requests).
 */
export async function openAndSignIn(
  browser: Browser,
  hubUrl: string,
  token: string,
  viewport: { width: number; height: number },
  pageErrors: string[],
  watch: (page: Page) => void = () => undefined,
): Promise<Page> {
  const page = await (await browser.newContext({ viewport })).newPage();
  watch(page);
  page.on('pageerror', (err) => pageErrors.push(err.message));
  // A 401 or 403 answer is logged by Chromium as "Failed to load resource": expected in these tests.
  page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && pageErrors.push(m.text()));
  await page.goto(`${hubUrl}/`);
  await page.fill('#token', token);
  await page.click('form[aria-label="sign in"] button[type=submit]');
  return page;
}

/** {@link openAndSignIn}, then waits for the live link: the token was accepted. */
export async function openSignedIn(
  browser: Browser,
  hubUrl: string,
  token: string,
  viewport: { width: number; height: number },
  pageErrors: string[],
): Promise<Page> {
  const page = await openAndSignIn(browser, hubUrl, token, viewport, pageErrors);
  await page.getByTestId('link').filter({ hasText: 'live' }).waitFor();
  return page;
}

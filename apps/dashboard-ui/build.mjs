// Builds the dashboard into static files the hub serves (no CDN, works offline):
//   node apps/dashboard-ui/build.mjs [outdir]   (default dist/apps/computehub/dashboard-ui)
// `npm run build` type-checks first (tsc -p apps/dashboard-ui) and then runs this.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const outdir = resolve(root, process.argv[2] ?? 'dist/apps/computehub/dashboard-ui');

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: { app: join(here, 'src', 'main.tsx') },
  outdir,
  bundle: true,
  minify: true,
  sourcemap: false,
  format: 'iife',
  target: ['es2020'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  tsconfig: join(here, 'tsconfig.json'),
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(join(here, 'src', 'index.html'), join(outdir, 'index.html'));
copyFileSync(join(here, 'src', 'styles.css'), join(outdir, 'styles.css'));
console.log(`dashboard-ui: built into ${outdir}`);

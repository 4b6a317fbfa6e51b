/**
 * `npm run lint`: fails when folders under a source root import each other in a cycle (the hub's
 * modules must layer one way). Usage: ts-node scripts/lint/check-folder-cycles.ts <root>...
 */
import { describeCycles, FileGraph } from './folder-cycles';

// madge ships no type declarations; this is the one call used.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const madge: (root: string, config: object) => Promise<{ obj(): FileGraph }> = require('madge');

async function main(roots: string[]): Promise<number> {
  let failed = 0;
  for (const root of roots) {
    const graph = (await madge(root, { fileExtensions: ['ts'], tsConfig: 'tsconfig.json' })).obj();
    const cycles = describeCycles(graph);
    for (const line of cycles) console.error(`folder cycle in ${root}: ${line}`);
    if (cycles.length === 0) console.log(`✔ no cycle between the folders of ${root}`);
    failed += cycles.length;
  }
  return failed === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err.message);
    process.exit(2);
  },
);

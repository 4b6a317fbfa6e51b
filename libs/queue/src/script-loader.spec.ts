import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScripts, scriptsDir } from './script-loader';

const SOURCE = join(__dirname, 'scripts');

function fakeScripts(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'take-10.lua'), 'return 1\n');
  return dir;
}

describe('scriptsDir', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'gridcore-scripts-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('finds the source tree from this module', () => {
    expect(scriptsDir(__dirname, {})).toBe(SOURCE);
  });

  it('finds the repo scripts from a Nest build (dist/apps/<app>/libs/queue/src) by walking up', () => {
    const repoScripts = fakeScripts(join(root, 'libs', 'queue', 'src', 'scripts'));
    const built = join(root, 'dist', 'apps', 'computehub', 'libs', 'queue', 'src');
    mkdirSync(built, { recursive: true });
    expect(scriptsDir(built, {})).toBe(repoScripts);
  });

  it('prefers scripts/ beside the module, and GRIDCORE_SCRIPTS_DIR over both', () => {
    fakeScripts(join(root, 'libs', 'queue', 'src', 'scripts'));
    const built = join(root, 'dist', 'apps', 'gridnode', 'libs', 'queue', 'src');
    const beside = fakeScripts(join(built, 'scripts'));
    expect(scriptsDir(built, {})).toBe(beside);
    const env = fakeScripts(join(root, 'image-scripts'));
    expect(scriptsDir(built, { GRIDCORE_SCRIPTS_DIR: env })).toBe(env);
  });

  it('fails with one message naming GRIDCORE_SCRIPTS_DIR when there are none', () => {
    expect(() => scriptsDir(join(root, 'nowhere'), {})).toThrow(/queue scripts not found .*set GRIDCORE_SCRIPTS_DIR/);
  });

  it('loads the same scripts (same SHAs) from a copy as from the source tree', () => {
    const copy = join(root, 'copy');
    mkdirSync(join(copy, 'includes'), { recursive: true });
    const source = loadScripts(SOURCE);
    for (const name of ['take-10.lua', 'ack-10.lua', 'includes/common.lua', 'includes/ack.lua', 'includes/heal.lua', 'includes/take-reads.lua']) copyFileSync(join(SOURCE, name), join(copy, name));
    const copied = loadScripts(copy);
    expect(copied.get('take')?.sha).toBe(source.get('take')?.sha);
    expect(copied.get('ack')?.sha).toBe(source.get('ack')?.sha);
  });
});

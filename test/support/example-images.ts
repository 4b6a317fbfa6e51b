import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { requireDocker } from './docker';

const ROOT = resolve(__dirname, '..', '..');

/** The images examples/build-images.sh makes (examples/README.md). */
export const EXAMPLE_IMAGES = {
  node: 'gridcore/example-node-worker:local',
  python: 'gridcore/example-python-worker:local',
  original: 'gridcore/example-original-consumer:local',
} as const;
export type ExampleImage = keyof typeof EXAMPLE_IMAGES;

const built = new Map<ExampleImage, Promise<string>>();

/**
 * Makes sure the example images exist and are current, by running examples/build-images.sh (the
 * script the demo and users run: official bases first, else host-built ones; a current image
 * costs an inspect). Once per image per test process; the script serializes parallel callers.
 */
export async function ensureExampleImages(...which: ExampleImage[]): Promise<string[]> {
  await requireDocker();
  const missing = which.filter((w) => !built.has(w));
  if (missing.length) {
    const run = runBuild(missing);
    for (const w of missing) built.set(w, run.then(() => EXAMPLE_IMAGES[w]));
    run.catch(() => missing.forEach((w) => built.delete(w)));
  }
  return Promise.all(which.map((w) => built.get(w)!));
}

function runBuild(which: ExampleImage[]): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [join(ROOT, 'examples', 'build-images.sh'), ...which], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15 * 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise();
      else reject(new Error(`examples/build-images.sh ${which.join(' ')} exited ${code}: ${err.trim().split('\n').slice(-20).join('\n')}`));
    });
  });
}

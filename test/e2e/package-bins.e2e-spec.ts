import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureBuilt } from '../support/hub-process';
import { freePort, waitFor } from '../support/ports';

const ROOT = resolve(__dirname, '..', '..');
const TOKEN = 'package-bin-token-00000001';

interface Started {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | string>;
}

/** Runs a command from the clone's root with a HOME of its own (no user config leaks in). */
function start(command: string, args: string[], home: string, env: Record<string, string> = {}): Started {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so npm's child goes with it
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | string>((r) => child.once('exit', (code, sig) => r(code ?? sig ?? -1)));
  return { child, output: () => out, exited };
}

async function stop(p: Started): Promise<number | string> {
  if (p.child.exitCode === null && p.child.signalCode === null) process.kill(-p.child.pid!, 'SIGTERM');
  return p.exited;
}

/** A computehub.toml on a free loopback port, in a folder of its own. */
async function hubFile(): Promise<{ file: string; url: string; home: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'gc-bin-'));
  const port = await freePort();
  const file = join(dir, 'computehub.toml');
  writeFileSync(file, `bind = "127.0.0.1:${port}"\ntoken = "${TOKEN}"\nstate_dir = "${dir}"\n`);
  return { file, url: `http://127.0.0.1:${port}`, home: dir };
}

async function health(url: string): Promise<string | null> {
  const res = await fetch(`${url}/health`).catch(() => null);
  return res?.ok ? res.text() : null;
}

/** The seed's commands `computehub -c FILE` and `gridnode -c FILE` (issue 15 point 9). */
describe('the package bins', () => {
  jest.setTimeout(120_000);

  beforeAll(() => {
    ensureBuilt('computehub');
    ensureBuilt('gridnode');
  }, 300_000);

  it.each([
    ['node bin/computehub.js -c FILE', process.execPath, (file: string) => ['bin/computehub.js', '-c', file]],
    ['npx computehub -c FILE', 'npx', (file: string) => ['--no-install', 'computehub', '-c', file]],
    ['npm run start:hub -- -c FILE', 'npm', (file: string) => ['run', '--silent', 'start:hub', '--', '-c', file]],
  ])('%s serves the hub of that file', async (_name, command, args) => {
    const { file, url, home } = await hubFile();
    const hub = start(command, args(file), home);
    try {
      expect(await waitFor(() => health(url), 30_000, `/health at ${url}`)).toBe('OK');
      expect(hub.output()).toContain(`(config: ${file},`);
    } finally {
      const code = await stop(hub);
      // npm and npx end by the signal sent to the group; the hub itself stops cleanly.
      if (command === process.execPath) expect(code).toBe(0);
      await waitFor(async () => (await health(url)) === null, 10_000, 'the hub stopped');
    }
  });

  it('node bin/gridnode.js -c FILE registers with the hub its file names', async () => {
    const { file, url, home } = await hubFile();
    const hub = start(process.execPath, ['bin/computehub.js', '-c', file], home);
    const nodeDir = mkdtempSync(join(tmpdir(), 'gn-bin-'));
    const nodeFile = join(nodeDir, 'gridnode.toml');
    writeFileSync(nodeFile, `server_url = "${url}"\ntoken = "${TOKEN}"\nnode_id = "bin-node-1"\nhostname = "bin-host"\nheartbeat_interval = 1\n`);
    let node: Started | undefined;
    try {
      await waitFor(() => health(url), 30_000, 'hub up');
      node = start(process.execPath, ['bin/gridnode.js', '-c', nodeFile], nodeDir, {
        GRIDCORE_SCRIPTS_DIR: join(ROOT, 'libs', 'queue', 'src', 'scripts'),
      });
      const nodes = await waitFor(
        async () => {
          const res = await fetch(`${url}/api/nodes`, { headers: { authorization: `Bearer ${TOKEN}` } });
          const list = (await res.json()) as { id: string; hostname: string }[];
          return list.find((n) => n.id === 'bin-node-1') ? list : null;
        },
        30_000,
        'the node registered',
      );
      expect(nodes.find((n) => n.id === 'bin-node-1')!.hostname).toBe('bin-host');
      expect(await stop(node)).toBe(0);
    } finally {
      if (node) await stop(node);
      await stop(hub);
    }
  });

  it.each(['computehub', 'gridnode'])('bin/%s.js says to build when the build is missing', (app) => {
    const bin = join(ROOT, 'bin', `${app}.js`);
    const r = require('node:child_process').spawnSync(
      process.execPath,
      ['-e', `require('node:fs').existsSync=()=>false; process.argv=[process.argv[0], ${JSON.stringify(bin)}]; require(${JSON.stringify(bin)})`],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^${app}: not built yet \\(.*main\\.js is missing\\): run \`npm run build\` first\\n$`));
  });
});

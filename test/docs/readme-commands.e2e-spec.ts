/**
 * Every command block of the READMEs runs as written, in order per document, against a real
 * `npm run dev` grid (redis-server, hub, one GridNode, containers with host networking) on a
 * fresh machine: HOME is a new folder, so `~/.config/gridcore` does not exist, and the variables
 * are the ones the dev grid's `export HUB=… TOKEN=… REDIS_URL=…` line sets, as a reader would
 * paste it. Blocks this machine cannot run are marked in the markdown (command-blocks.ts) and
 * listed here by name with their reason; any other block that fails fails the test with the
 * document, the block's first line and its output.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { CommandBlock, commandBlocks } from './command-blocks';
import { BackgroundCommand, ContainerDeathWatch, DocumentShell } from './dev-grid-shell';
import { freePort } from '../support/ports';
import { ensureExampleImages } from '../support/example-images';

const ROOT = resolve(__dirname, '..', '..');
const DOCUMENTS = ['README.md', 'examples/README.md', 'apps/gridctl/README.md', 'deploy/README.md'];
const BLOCK_TIMEOUT_MS = 120_000;
const BACKGROUND_SETTLE_MS = 5_000;

/** The blocks the markdown marks as not runnable here, by document and first line, with why. */
const EXPECTED_SKIPS: Array<[string, string]> = [
  ['README.md', 'npm run demo'],
  ['README.md', 'COMPUTEHUB_TLS_CERT=/etc/gridcore/hub.pem COMPUTEHUB_TLS_KEY=/etc/gridcore/hub.key npm run start:hub'],
  ['README.md', 'scripts/images/build-app-images.sh'],
  ['README.md', 'export ADMIN_TOKEN=$(openssl rand -hex 32) NODE_TOKEN=$(openssl rand -hex 32)'],
  ['examples/README.md', 'git clone <this repository> gridcore && cd gridcore'],
  ['apps/gridctl/README.md', 'npm run build'],
  ['deploy/README.md', 'scripts/images/build-app-images.sh'],
  ['deploy/README.md', 'docker build --network host -f Dockerfile.hub  -t gridcore/computehub:local .'],
  ['deploy/README.md', 'export ADMIN_TOKEN=$(openssl rand -hex 32) VIEWER_TOKEN=$(openssl rand -hex 32) NODE_TOKEN=$(openssl rand -hex 32)'],
  ['deploy/README.md', 'docker run -d --name gridnode --restart unless-stopped --network host \\'],
  ['deploy/README.md', 'docker tag gridcore/computehub:local registry.example.org/gridcore/computehub:0.1.0'],
  ['deploy/README.md', 'curl -X POST http://127.0.0.1:8080/api/tasks -H "Authorization: Bearer $ADMIN_TOKEN" \\'],
];

const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);
const tail = (output: string, lines = 15) => output.trimEnd().split('\n').slice(-lines).map((l) => `    | ${l}`).join('\n');
const name = (b: CommandBlock) => `${b.document}:${b.line} \`${b.firstLine.replace(/\s+#\s.*$/, '')}\``;

/** The env of a fresh login: nothing of GridCore's configuration leaks in from this process. */
function freshEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(GRIDNODE_|COMPUTEHUB_|GRIDCTL_|GRIDCORE_|IDM_GRIDCORE_|XDG_CONFIG_HOME$|NODE_ENV$|JEST_|npm_)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, HOME: home, CI: 'true', npm_config_update_notifier: 'false' };
}

/** `npm run dev` as a reader starts it, on free ports and in its own state folder. */
async function startDevGrid(home: string, dir: string): Promise<{ dev: BackgroundCommand; exportLine: string }> {
  const env = {
    ...freshEnv(home),
    GRIDCORE_DEV_DIR: dir,
    GRIDCORE_DEV_HUB_PORT: String(await freePort()),
    GRIDCORE_DEV_REDIS_PORT: String(await freePort()),
    GRIDCORE_DEV_PARALLELISM: '2',
  };
  const dev = new BackgroundCommand(spawn('npm', ['run', 'dev'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] }));
  const match = await dev.waitForOutput(/^\s*(export HUB=\S+ TOKEN=\S+ REDIS_URL=\S+)\s*$/m, 240_000);
  return { dev, exportLine: match[1] };
}

interface NodeView {
  id: string;
  runtime_status: string;
  instances?: Array<{ instance: number; state: string; last_error?: string | null }>;
}

/** The nodes the dev grid's hub knows (theirs are the task containers to watch). */
async function gridNodes(exportLine: string): Promise<NodeView[]> {
  const [, hub, token] = /HUB=(\S+) TOKEN=(\S+)/.exec(exportLine)!;
  const res = await fetch(`${hub}/api/nodes`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET ${hub}/api/nodes answered ${res.status}`);
  return (await res.json()) as NodeView[];
}

/** A node that cannot run its containers (no bridge network without `network_mode`, a bad image) says so. */
function nodeTrouble(node: NodeView): string | null {
  const broken = (node.instances ?? []).filter((i) => i.state === 'error' || i.state === 'backoff');
  if (node.runtime_status !== 'Error' && !broken.length) return null;
  return `node ${node.id} reports ${node.runtime_status}: ${broken.map((i) => `instance ${i.instance} ${i.state}: ${i.last_error ?? 'no reason given'}`).join('; ')}`;
}

/** Files a document's commands wrote into the clone (`results.txt`): removed after it. */
function newFilesIn(dir: string, before: Set<string>): string[] {
  return readdirSync(dir).filter((f) => !before.has(f) && statSync(join(dir, f)).isFile());
}

const blocksByDocument = DOCUMENTS.map((doc) => ({ doc, blocks: commandBlocks(doc, readFileSync(join(ROOT, doc), 'utf8')) }));

describe('README commands run as written against npm run dev', () => {
  beforeAll(async () => {
    // The build step is itself a block (examples/README.md); building first keeps its block fast.
    await ensureExampleImages('node', 'python', 'original');
  }, 15 * 60_000);

  it('skips only the blocks the markdown marks, each with its reason', () => {
    const skipped = blocksByDocument.flatMap(({ blocks }) => blocks.filter((b) => b.mode === 'skip'));
    for (const b of skipped) console.log(`docs-test: skipped ${name(b)}: ${b.reason}`);
    expect(skipped.map((b) => [b.document, b.firstLine.replace(/\s+#\s.*$/, ''), b.reason])).toEqual(
      EXPECTED_SKIPS.map(([doc, first]) => [doc, first, expect.any(String)]),
    );
  });

  for (const { doc, blocks } of blocksByDocument) {
    const runnable = blocks.filter((b) => b.mode !== 'skip');
    const title = `${doc}: ${runnable.length} of ${blocks.length} command blocks run`;
    it(title, async () => {
      if (!runnable.length) return;
      const work = mkdtempSync(join(tmpdir(), 'gridcore-docs-'));
      const home = join(work, 'home');
      mkdirSync(home);
      const before = new Set(readdirSync(ROOT));
      const background: Array<{ block: CommandBlock; command: BackgroundCommand }> = [];
      const deaths = new ContainerDeathWatch();
      await deaths.started();
      const devStarted = Date.now();
      const { dev, exportLine } = await startDevGrid(home, join(work, 'dev'));
      console.log(`docs-test: ${doc}: npm run dev up in ${seconds(devStarted)} s`);
      const failures: string[] = [];
      const nodeIds = new Set<string>();
      try {
        const shell = new DocumentShell(work, ROOT, freshEnv(home));
        const pasted = await shell.paste(exportLine);
        if (!pasted.ok) throw new Error(`the dev grid's export line failed: ${pasted.output}`);
        for (const block of runnable) {
          const started = Date.now();
          if (block.mode === 'background') {
            if (block.script.trim() === 'npm run dev') {
              // The grid every block here runs against is this very command.
              if (!dev.running) failures.push(`${name(block)}: npm run dev exited:\n${dev.text}`);
              continue;
            }
            const command = shell.background(block);
            background.push({ block, command });
            if (!(await command.stillUpAfter(BACKGROUND_SETTLE_MS))) {
              failures.push(`${name(block)} (background) exited with ${command.code}:\n${command.text}`);
            }
            console.log(`docs-test: ${name(block)} runs in the background`);
            continue;
          }
          const outcome = await shell.run(block.script, BLOCK_TIMEOUT_MS);
          console.log(`docs-test: ${name(block)}: ${outcome.why} in ${seconds(started)} s\n${tail(outcome.output)}`);
          if (!outcome.ok) {
            failures.push(`${name(block)}: ${outcome.why}:\n${outcome.output}`);
            break; // later blocks build on this one
          }
        }
        for (const { block, command } of background) {
          if (!command.running) failures.push(`${name(block)} (background) exited early with ${command.code}:\n${command.text}`);
        }
        for (const node of await gridNodes(exportLine)) {
          nodeIds.add(node.id);
          const trouble = nodeTrouble(node);
          if (trouble) failures.push(`after ${doc}'s commands, ${trouble}`);
        }
      } finally {
        const stopping = Date.now();
        for (const { block, command } of background.reverse()) {
          await command.stop(45_000);
          console.log(`docs-test: ${name(block)} (background) stopped in ${seconds(stopping)} s\n${tail(command.text, 40)}`);
        }
        await dev.stop(60_000);
        console.log(`docs-test: ${doc}: npm run dev stopped ${seconds(stopping)} s after the document's end`);
        // A container the grid's own stop ends (the node stops it, or removes what is left) is not a
        // crash of the document's commands; it is still printed, with its exit code, to be seen.
        const { crashes, duringStop } = await deaths.deathsOf(nodeIds, stopping);
        for (const c of crashes) {
          failures.push(`a task container crashed while ${doc}'s commands ran: node ${c.node}, task ${c.task}, exit code ${c.exitCode}:\n${c.logs}`);
        }
        for (const c of duringStop) console.log(`docs-test: ${doc}: task ${c.task}'s container ended with exit code ${c.exitCode} while npm run dev stopped:\n${c.logs}`);
        for (const f of newFilesIn(ROOT, before)) rmSync(join(ROOT, f), { force: true });
        rmSync(work, { recursive: true, force: true });
      }
      if (failures.length) throw new Error(failures.join('\n\n'));
    }, 8 * 60_000);
  }
});

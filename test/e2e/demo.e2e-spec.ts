import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { ensureBuilt } from '../support/hub-process';
import { listLabelled } from '../node/support/test-image';

const ROOT = resolve(__dirname, '..', '..');

interface DemoRun {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | string>;
}

/** `npm run demo`'s script, without a terminal, in its own process group (as a shell runs it). */
function startDemo(env: Record<string, string>): DemoRun {
  let out = '';
  const child = spawn('bash', [join(ROOT, 'scripts', 'demo.sh')], {
    cwd: ROOT,
    env: { ...process.env, CI: 'true', GRIDCORE_DEMO_PARALLELISM: '2', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | string>((r) => child.once('exit', (code, sig) => r(code ?? sig ?? -1)));
  return { child, output: () => out, exited };
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((r) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), r(true)));
    socket.once('error', () => r(false));
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** What the demo said it started, read back from its lines. */
function started(out: string) {
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? NaN);
  return {
    redisPort: num(/redis-server on 127\.0\.0\.1:(\d+)/),
    hubPort: num(/hub on http:\/\/127\.0\.0\.1:(\d+)/),
    pids: [...out.matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1])),
    nodeId: /GridNode (\S+) with parallelism/.exec(out)?.[1] ?? '',
    runDir: /run folder (\S+)/.exec(out)?.[1] ?? '',
  };
}

/** Nothing the demo started is left: processes, containers, ports, its folder. */
async function expectNothingLeft(out: string): Promise<void> {
  const s = started(out);
  expect(s.pids).toHaveLength(3);
  expect(s.nodeId).not.toBe('');
  for (const pid of s.pids) expect(pidAlive(pid)).toBe(false);
  expect(listLabelled(`gridcore.node=${s.nodeId}`)).toEqual([]);
  expect(await portOpen(s.redisPort)).toBe(false); // its Redis, and every key in it, is gone
  expect(await portOpen(s.hubPort)).toBe(false);
  expect(existsSync(s.runDir)).toBe(false);
}

/** Issue 7 point 4: `npm run demo` end to end (reduced sizes), and Ctrl-C in the middle of it. */
describe('npm run demo', () => {
  jest.setTimeout(300_000);

  beforeAll(() => {
    // Build what is stale the way the other process tests do, so the demo's own check finds it current.
    ensureBuilt('computehub');
    ensureBuilt('gridnode');
  }, 600_000);

  it('runs both tasks, checks every result, prints the summary and leaves nothing behind', async () => {
    const demo = startDemo({ GRIDCORE_DEMO_ITEMS: '5000', GRIDCORE_DEMO_SECOND_ITEMS: '1000' });
    const code = await demo.exited;
    const out = demo.output();
    console.log(out.split('\n').filter((l) => /summary|^\s{2}\w/.test(l)).join('\n'));
    expect({ code, tail: out.slice(-1500) }).toEqual({ code: 0, tail: expect.any(String) });
    const nodeId = started(out).nodeId;
    expect(out).toContain('checked 5,000 results of demo-node-sqrt');
    expect(out).toContain('checked 1,000 results of demo-python-sqrt');
    expect(out).toMatch(/hub event task\.finished: demo-node-sqrt \(auto_finish\)/);
    expect(out).toMatch(/hub event task\.started: demo-python-sqrt/);
    expect(out).toMatch(/^ {2}items: 5,000 \(Node worker\) \+ 1,000 \(Python worker\), every result checked$/m);
    expect(out).toMatch(/^ {2}seconds: \d+\.\d \(Node task/m);
    expect(out).toMatch(/^ {2}items\/s: [\d,]+ \(Node worker\); [\d,]+ \(Python worker\)$/m);
    expect(out).toMatch(/^ {2}switch time: \d+\.\d s from the last Node result/m);
    expect(out).toContain(`  items per node: ${nodeId} 6,000`);
    expect(out).toMatch(/^ {2}dead items: 0$/m);
    // No terminal: plain progress lines, no carriage returns or escape codes.
    expect(out).toMatch(/^Node worker {2}5,000\/5,000 {2}100\.0%/m);
    expect(out).not.toMatch(/[\r\x1b]/);
    expect(out).toMatch(/demo: stopped the node, 0 leftover container\(s\), the hub, redis-server/);
    await expectNothingLeft(out);
  });

  it('cleans up the same way on Ctrl-C in the middle of the run', async () => {
    const demo = startDemo({ GRIDCORE_DEMO_ITEMS: '300000' });
    const deadline = Date.now() + 120_000;
    while (!/pushed [\d,]+ items|^Node worker/m.test(demo.output()) && Date.now() < deadline) {
      if (demo.child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(demo.output()).toMatch(/registered demo-node-sqrt/);
    process.kill(-demo.child.pid!, 'SIGINT'); // what a terminal's Ctrl-C does: the whole foreground group
    const code = await demo.exited;
    const out = demo.output();
    expect({ code, tail: out.slice(-800) }).toEqual({ code: 130, tail: expect.any(String) });
    expect(out).toContain('Ctrl-C: stopping what was started');
    expect(out).not.toContain('GridCore demo summary');
    await expectNothingLeft(out);
  });
});

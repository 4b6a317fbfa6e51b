import request from 'supertest';
import { bearer, startTestHub, TestHub, TOKENS } from '../support/hub-app';
import { ensureGridctlBuilt, Gridctl } from './gridctl-cli';

/** Issue 21.1: `gridctl task priority` and `gridctl task move` reorder pending tasks on a real hub. */
describe('gridctl task priority and move', () => {
  jest.setTimeout(60_000);
  let hub: TestHub;
  const cli = new Gridctl();
  const admin = bearer(TOKENS.admin);
  const pending = async () => (await request(hub.url).get('/api/tasks').set(admin).expect(200)).body.pending;

  beforeAll(async () => {
    ensureGridctlBuilt();
    hub = await startTestHub();
    await cli.ok(['cluster', 'add', 'lab', '--hub', hub.url, '--token', TOKENS.admin]);
    await cli.ok(['task', 'add', 'g-run', '--image', 'img:1', '--wait-s', '0']);
    for (const name of ['g-a', 'g-b']) await cli.ok(['task', 'add', name, '--image', 'img:1', '--wait-s', '0']);
    await cli.ok(['task', 'add', 'g-c', '--image', 'img:1', '--priority', '2', '--wait-s', '0']);
  }, 120_000);

  afterAll(async () => {
    await hub?.close();
    cli.cleanup();
  });

  it('registers with --priority, sets one and moves, printing the order', async () => {
    expect(await pending()).toEqual(['g-c', 'g-a', 'g-b']);
    const set = await cli.ok(['task', 'priority', 'g-b', '5']);
    expect(set.stdout).toBe('g-b: priority 5; pending order: g-b, g-c, g-a\n');
    const moved = await cli.ok(['task', 'move', 'g-a', '--before', 'g-c']);
    expect(moved.stdout).toBe('g-a: priority 2; pending order: g-b, g-a, g-c\n');
    const after = await cli.ok(['task', 'move', 'g-b', '--after', 'g-c', '--json']);
    expect(JSON.parse(after.stdout)).toEqual({ name: 'g-b', priority: 2, pending: ['g-a', 'g-c', 'g-b'] });
    expect(await pending()).toEqual(['g-a', 'g-c', 'g-b']);
    expect((await cli.ok(['task', 'show', 'g-b'])).stdout).toMatch(/^priority\s+2$/m);
  });

  it('says what is wrong in one line and changes nothing', async () => {
    const before = await pending();
    const cases: [string[], RegExp][] = [
      [['task', 'move', 'g-a'], /give --before OTHER or --after OTHER/],
      [['task', 'move', 'g-a', '--before', 'g-b', '--after', 'g-c'], /cannot be used with/],
      [['task', 'move', 'g-run', '--before', 'g-a'], /g-run is running; only pending tasks can be moved/],
      [['task', 'move', 'g-a', '--after', 'nope'], /Task nope not found/],
      [['task', 'priority', 'g-a', 'high'], /not an integer/],
      [['task', 'priority', 'nope', '1'], /Task nope not found/],
    ];
    for (const [args, message] of cases) {
      const r = await cli.run(args);
      expect([args.join(' '), r.code !== 0]).toEqual([args.join(' '), true]);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(await pending()).toEqual(before);
  });

  it('nodes shows the task each node runs in a TASK column (issue 21.6)', async () => {
    const legacy = bearer(TOKENS.legacy);
    await request(hub.url).post('/gridnode/register').set(legacy).send({ node_id: 'g-node', hostname: 'g-host', architecture: 'x86_64', cpu_count: 2 }).expect(200);
    await request(hub.url).post('/gridnode/heartbeat').set(legacy).send({ node_id: 'g-node', status: 'Running', active_containers: 1, task_name: 'g-run' }).expect(200);
    const out = (await cli.ok(['nodes'])).stdout;
    expect(out).toMatch(/^ID\s+HOST\s+STATUS\s+RUNTIME\s+TASK\s+CONTAINERS\s/);
    expect(out).toMatch(/^g-node\s+g-host\s+Online\s+Running\s+g-run\s+1\s/m);
  });
});

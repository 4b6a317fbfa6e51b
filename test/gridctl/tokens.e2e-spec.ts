import request from 'supertest';
import { bearer, startTestHub, TestHub, TOKENS } from '../support/hub-app';
import { ensureGridctlBuilt, Gridctl } from './gridctl-cli';

/** Issue 16: `gridctl token create|list|revoke` and `gridctl node revoke` against a real hub. */
describe('gridctl join tokens and node revocation', () => {
  jest.setTimeout(120_000);
  let hub: TestHub;
  const cli = new Gridctl();

  beforeAll(async () => {
    ensureGridctlBuilt();
    hub = await startTestHub();
    await cli.ok(['cluster', 'add', 'lab', '--hub', hub.url, '--token', TOKENS.admin]);
  });
  afterAll(async () => {
    await hub?.close();
    cli.cleanup();
  });

  it('creates a join token (printed once), lists it with its nodes, revokes a node and then the token', async () => {
    const created = await cli.ok(['token', 'create', 'carol', '--max-nodes', '2']);
    const token = created.stdout.trim();
    expect(token).toMatch(/^gcj_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(/shown once/);
    const id = token.split('_')[1];
    const reg = await request(hub.url).post('/gridnode/register').set(bearer(token)).send({ node_id: 'carol-1', hostname: 'c', architecture: 'x86_64', cpu_count: 1 }).expect(200);
    const listed = await cli.ok(['token', 'list']);
    expect(listed.stdout).toMatch(new RegExp(`${id} +carol +active +1/2 +never +carol-1`));
    expect(listed.stdout).not.toContain(token.split('_')[2]);
    const json = JSON.parse((await cli.ok(['token', 'list', '--json'])).stdout);
    expect(json.find((t: { id: string }) => t.id === id).nodes[0].node_id).toBe('carol-1');

    expect((await cli.ok(['node', 'revoke', 'carol-1'])).stdout).toBe('revoked node carol-1 (0 items handed back)\n');
    const beat = await request(hub.url).post('/gridnode/heartbeat').set(bearer(reg.body.node_token)).send({ node_id: 'carol-1', status: 'Idle', active_containers: 0 }).expect(401);
    expect(beat.body.reason).toBe('revoked');
    expect((await cli.ok(['token', 'revoke', id])).stdout).toBe(`revoked join token ${id}\n`);
    expect((await cli.ok(['token', 'list'])).stdout).toMatch(new RegExp(`${id} +carol +revoked `));

    const missing = await cli.run(['node', 'revoke', 'nobody']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/Node nobody not found/);
    const bad = await cli.run(['token', 'create', 'x', '--max-nodes', '0']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/max-nodes/);
    const past = await cli.run(['token', 'create', 'x', '--expires-at', '2001-01-01T00:00:00Z']);
    expect(past.code).not.toBe(0);
    expect(past.stderr).toMatch(/expires_at .* not in the future/);
  });
});

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeIdentity } from './node-identity';

describe('NodeIdentity', () => {
  it('has no id on a fresh machine, then keeps the one the hub gave', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'gridnode-id-')), 'state');
    const identity = new NodeIdentity(dir, null);
    expect(await identity.load()).toBeNull();
    await identity.save('3f1c9a');
    expect(readFileSync(join(dir, 'node_id'), 'utf8')).toBe('3f1c9a\n');
    expect(await new NodeIdentity(dir, null).load()).toBe('3f1c9a');
  });

  it("lets a user's node_id win over the saved one", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridnode-id-'));
    writeFileSync(join(dir, 'node_id'), 'saved\n');
    expect(await new NodeIdentity(dir, 'mine').load()).toBe('mine');
  });

  it('ignores a saved file that holds no valid id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridnode-id-'));
    writeFileSync(join(dir, 'node_id'), 'not an id!\n');
    expect(await new NodeIdentity(dir, null).load()).toBeNull();
  });
});

import { Role } from '@gridcore/contracts';
import { TokenRegistry } from './token-registry';

describe('TokenRegistry', () => {
  const registry = new TokenRegistry({ legacy: 'legacy-1', admin: ['admin-1'], viewer: ['viewer-1'], node: ['node-1', 'admin-1'] });

  it('gives the legacy token admin and node at once', () => {
    expect([...registry.rolesOf('legacy-1')!].sort()).toEqual([Role.Admin, Role.Node, Role.Viewer].sort());
  });

  it('keeps viewer and node tokens apart from admin', () => {
    expect([...registry.rolesOf('viewer-1')!]).toEqual([Role.Viewer]);
    expect([...registry.rolesOf('node-1')!]).toEqual([Role.Node]);
  });

  it('merges the roles of a token listed twice', () => {
    expect(registry.rolesOf('admin-1')?.has(Role.Node)).toBe(true);
  });

  it('knows no other token, not even a prefix or a longer one', () => {
    for (const t of ['', 'legacy', 'legacy-1x', 'LEGACY-1', 'viewer-1 ']) expect(registry.rolesOf(t)).toBeNull();
  });
});

import { createHash, timingSafeEqual } from 'node:crypto';
import { Role } from '@gridcore/contracts';

interface Entry {
  digest: Buffer;
  roles: ReadonlySet<Role>;
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * Maps bearer tokens to roles. Tokens are kept only as SHA-256 digests and compared in constant
 * time: every entry is compared on every lookup, so timing reveals neither a match nor its place.
 */
export class TokenRegistry {
  private readonly entries: Entry[] = [];
  private readonly legacyDigest: Buffer | null;

  constructor(tokens: { legacy?: string | null; admin?: readonly string[]; viewer?: readonly string[]; node?: readonly string[]; gateway?: readonly string[] }) {
    const add = (token: string, roles: Role[]) => {
      const d = digest(token);
      const existing = this.entries.find((e) => timingSafeEqual(e.digest, d));
      if (existing) {
        this.entries.splice(this.entries.indexOf(existing), 1, { digest: d, roles: new Set([...existing.roles, ...roles]) });
      } else {
        this.entries.push({ digest: d, roles: new Set(roles) });
      }
    };
    this.legacyDigest = tokens.legacy ? digest(tokens.legacy) : null;
    // The original's one shared token is admin and node at once.
    if (tokens.legacy) add(tokens.legacy, [Role.Admin, Role.Viewer, Role.Node]);
    for (const t of tokens.admin ?? []) add(t, [Role.Admin, Role.Viewer]);
    for (const t of tokens.viewer ?? []) add(t, [Role.Viewer]);
    for (const t of tokens.node ?? []) add(t, [Role.Node]);
    // A gateway token reads node digests and routes: it never implies admin, viewer or node.
    for (const t of tokens.gateway ?? []) add(t, [Role.Gateway]);
  }

  /** Whether `token` is the original's shared token (a trusted-lab node: any node id, the task's Redis as registered). */
  isLegacy(token: string): boolean {
    return this.legacyDigest !== null && timingSafeEqual(this.legacyDigest, digest(token));
  }

  /** The roles of `token`, or null for an unknown one. */
  rolesOf(token: string): ReadonlySet<Role> | null {
    const d = digest(token);
    let found: ReadonlySet<Role> | null = null;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, d)) found = entry.roles;
    }
    return found;
  }
}

import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NODE_ID_PATTERN } from '@gridcore/contracts/names';

/** What `state_dir/node_credential.json` holds: the credential a join token led to, with its id. */
interface SavedCredential {
  node_id: string;
  node_token: string;
}

/**
 * The node's id across restarts (SPEC §3): a `node_id` the user fixed in the config wins; else
 * the id saved in `state_dir/node_id`; else none until the hub assigns one, which is saved.
 * Beside it: the node credential the hub issued for that id (`node_credential.json`, mode 0600),
 * and the `revoked` marker that keeps a revoked node from starting again.
 */
export class NodeIdentity {
  private current: string | null = null;
  private credential: string | null = null;

  constructor(
    private readonly stateDir: string,
    private readonly fixedId: string | null,
  ) {}

  get file(): string {
    return join(this.stateDir, 'node_id');
  }

  get credentialFile(): string {
    return join(this.stateDir, 'node_credential.json');
  }

  get revokedFile(): string {
    return join(this.stateDir, 'revoked');
  }

  /** The node credential saved for this id, or null (the config's token is used then). */
  get nodeToken(): string | null {
    return this.credential;
  }

  /** The id to register with (null: ask the hub for one). */
  async load(): Promise<string | null> {
    const saved = await this.loadCredential();
    if (this.fixedId) {
      // A credential belongs to one id: one saved for another is not this node's.
      this.credential = saved?.node_id === this.fixedId ? saved.node_token : null;
      return (this.current = this.fixedId);
    }
    if (saved) {
      this.credential = saved.node_token;
      return (this.current = saved.node_id);
    }
    try {
      const saved = (await readFile(this.file, 'utf8')).trim();
      if (NODE_ID_PATTERN.test(saved)) return (this.current = saved);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return null;
  }

  get id(): string | null {
    return this.current;
  }

  /** Keeps the id the hub answered; written atomically so a crash never leaves half an id. */
  async save(id: string): Promise<void> {
    if (id !== this.current) this.credential = null;
    this.current = id;
    await writeAtomically(this.stateDir, this.file, `${id}\n`);
  }

  /** Keeps the node credential the hub issued with its id (mode 0600, atomically). */
  async saveCredential(id: string, nodeToken: string): Promise<void> {
    await this.save(id);
    await writeAtomically(this.stateDir, this.credentialFile, `${JSON.stringify({ node_id: id, node_token: nodeToken } satisfies SavedCredential)}\n`, 0o600);
    this.credential = nodeToken;
  }

  /** The marker a revocation leaves: its first line says when and why, or null when absent. */
  async revokedMarker(): Promise<string | null> {
    try {
      return (await readFile(this.revokedFile, 'utf8')).split('\n')[0];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async markRevoked(line: string): Promise<void> {
    await writeAtomically(this.stateDir, this.revokedFile, `${line}\n`, 0o600);
  }

  private async loadCredential(): Promise<SavedCredential | null> {
    let text: string;
    try {
      text = await readFile(this.credentialFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    try {
      const saved = JSON.parse(text) as Partial<SavedCredential>;
      if (typeof saved.node_id === 'string' && NODE_ID_PATTERN.test(saved.node_id) && typeof saved.node_token === 'string' && saved.node_token) {
        return { node_id: saved.node_id, node_token: saved.node_token };
      }
    } catch {
      // A torn or edited file holds no credential: the node joins again with its token.
    }
    return null;
  }
}

async function writeAtomically(dir: string, file: string, text: string, mode = 0o644): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode });
  await chmod(tmp, mode);
  await rename(tmp, file);
}

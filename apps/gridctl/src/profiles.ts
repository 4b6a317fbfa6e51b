import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'smol-toml';
import { OperatorError } from '@gridcore/operator';

/** `[cluster.NAME]` of gridctl.toml (as the seed's skill.toml). */
export interface ClusterProfile {
  computehub_url: string;
  redis_url?: string;
  /** PEM file of the CA that signed an https:// hub's certificate (public: no secret). */
  ca_file?: string;
}

/** `[cluster.NAME]` of credentials.toml. */
export interface ClusterCredentials {
  token?: string;
  redis_password?: string;
}

interface ProfileFile {
  default_cluster?: string;
  cluster?: Record<string, ClusterProfile>;
}

interface CredentialsFile {
  cluster?: Record<string, ClusterCredentials>;
}

/** `$XDG_CONFIG_HOME/gridcore`, else `$HOME/.config/gridcore`. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'gridcore');
}

/** The operator's two files: profiles (may be shared) and secrets (mode 0600). */
export class ProfileStore {
  readonly profilesPath: string;
  readonly credentialsPath: string;

  constructor(readonly dir = configDir()) {
    this.profilesPath = join(dir, 'gridctl.toml');
    this.credentialsPath = join(dir, 'credentials.toml');
  }

  private read<T>(path: string): T {
    if (!existsSync(path)) return {} as T;
    try {
      return parse(readFileSync(path, 'utf8')) as T;
    } catch (err) {
      const line = (err as Error).message.split('\n')[0];
      throw new OperatorError(`cannot read ${path}: ${line}`);
    }
  }

  profiles(): ProfileFile {
    return this.read<ProfileFile>(this.profilesPath);
  }

  credentials(): CredentialsFile {
    return this.read<CredentialsFile>(this.credentialsPath);
  }

  /** Picks the cluster: `--cluster`, else GRIDCTL_CLUSTER, else default_cluster, else the only one. */
  resolve(name?: string): { name: string; profile: ClusterProfile; credentials: ClusterCredentials } {
    const file = this.profiles();
    const clusters = file.cluster ?? {};
    const names = Object.keys(clusters);
    const chosen = name || process.env.GRIDCTL_CLUSTER || file.default_cluster || (names.length === 1 ? names[0] : undefined);
    if (!chosen) {
      throw new OperatorError(
        names.length === 0
          ? `no cluster configured: run \`gridctl cluster add NAME --hub URL --token TOKEN\` (writes ${this.profilesPath})`
          : `several clusters in ${this.profilesPath} (${names.join(', ')}): pick one with --cluster NAME`,
      );
    }
    const profile = clusters[chosen];
    if (!profile) throw new OperatorError(`no cluster ${chosen} in ${this.profilesPath} (known: ${names.join(', ') || 'none'})`);
    if (typeof profile.computehub_url !== 'string' || !profile.computehub_url) {
      throw new OperatorError(`cluster ${chosen} in ${this.profilesPath} has no computehub_url`);
    }
    const credentials = this.credentials().cluster?.[chosen] ?? {};
    return { name: chosen, profile, credentials };
  }

  /** Adds or replaces one cluster in both files; secrets go only to credentials.toml, mode 0600. */
  save(name: string, profile: ClusterProfile, credentials: ClusterCredentials, makeDefault: boolean): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = this.profiles();
    file.cluster = { ...(file.cluster ?? {}), [name]: stripUndefined(profile) as ClusterProfile };
    if (makeDefault || !file.default_cluster) file.default_cluster = name;
    writeAtomically(this.profilesPath, stringify(file), 0o644);
    const secrets = this.credentials();
    const previous = secrets.cluster?.[name] ?? {};
    secrets.cluster = { ...(secrets.cluster ?? {}), [name]: stripUndefined({ ...previous, ...credentials }) };
    writeAtomically(this.credentialsPath, stringify(secrets), 0o600);
  }

  /**
   * Removes one cluster from both files. When it was the default, the only cluster left (if
   * exactly one) becomes the default; returns the new default (null: none), or undefined when
   * the default did not change.
   */
  remove(name: string): string | null | undefined {
    const file = this.profiles();
    const clusters = file.cluster ?? {};
    if (!clusters[name]) {
      throw new OperatorError(`no cluster ${name} in ${this.profilesPath} (known: ${Object.keys(clusters).join(', ') || 'none'})`);
    }
    delete clusters[name];
    let nextDefault: string | null | undefined;
    if (file.default_cluster === name) {
      const left = Object.keys(clusters);
      nextDefault = left.length === 1 ? left[0] : null;
      if (nextDefault) file.default_cluster = nextDefault;
      else delete file.default_cluster;
    }
    writeAtomically(this.profilesPath, stringify(file), 0o644);
    const secrets = this.credentials();
    if (secrets.cluster?.[name]) {
      delete secrets.cluster[name];
      writeAtomically(this.credentialsPath, stringify(secrets), 0o600);
    }
    return nextDefault;
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null && v !== '')) as Partial<T>;
}

/** Writes a sibling file with `mode` from its creation, then renames it over `path`. */
function writeAtomically(path: string, text: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

/**
 * Shared Docker helpers for integration and e2e tests. They drive the `docker` CLI (the same one a
 * developer uses to look at what a test left behind) with a deadline on every call. A missing
 * engine is an error, never a skip (STYLE.md: tests do not skip themselves).
 */

export const BASE_NODE_IMAGE = 'gridcore/base-node:local';
export const BASE_PYTHON_IMAGE = 'gridcore/base-python:local';
/** Label on every image built by {@link buildImage}: the hash of what it was built from. */
export const CONTENT_HASH_LABEL = 'gridcore.content-hash';

const REPO_ROOT = resolve(__dirname, '..', '..');
const BASE_IMAGES_SCRIPT = join(REPO_ROOT, 'scripts', 'images', 'build-base-images.sh');

export interface DockerCallOptions {
  /** Kill the call after this long (default 60 s). */
  timeoutMs?: number;
  /** Do not throw on a non-zero exit; the caller reads `code`. */
  allowFailure?: boolean;
  input?: string;
}

export interface DockerResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Raised when no Docker engine answers. */
export class DockerUnavailableError extends Error {
  constructor(detail: string) {
    const where = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
    super(
      `No Docker engine answers at ${where}${detail ? ` (${detail})` : ''}. ` +
        'Start one with `bash scripts/ensure-system.sh` (npm test does); tests that need Docker fail instead of skipping.',
    );
    this.name = 'DockerUnavailableError';
  }
}

/** Runs a command, collecting its output, with a deadline. */
function run(command: string, args: string[], options: DockerCallOptions = {}): Promise<DockerResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolvePromise, reject) => {
    // stdin is a pipe only when there is input: a short call that exits before reading it would
    // otherwise fail the write with EPIPE.
    const child = spawn(command, args, { stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${command} could not be started: ${error.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const result = { code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
      const shown = `${command} ${args.join(' ')}`.slice(0, 300);
      if (timedOut) reject(new Error(`${shown}: no answer within ${timeoutMs} ms`));
      else if (result.code !== 0 && !options.allowFailure) {
        reject(new Error(`${shown} exited ${result.code}: ${tail(result.stderr || result.stdout)}`));
      } else resolvePromise(result);
    });
    if (child.stdin) {
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    }
  });
}

function tail(text: string, lines = 25): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/** Runs `docker <args>` with a deadline; throws with the tail of stderr on failure. */
export function docker(args: string[], options?: DockerCallOptions): Promise<DockerResult> {
  return run('docker', args, options);
}

let engineChecked: Promise<string> | undefined;

/**
 * Resolves to the engine's version, or throws {@link DockerUnavailableError} naming the socket and
 * what to do. Never skips.
 */
export function requireDocker(): Promise<string> {
  engineChecked ??= docker(['version', '--format', '{{.Server.Version}}'], { timeoutMs: 15_000, allowFailure: true })
    .then((r) => {
      if (r.code !== 0 || !r.stdout.trim()) throw new DockerUnavailableError(r.stderr.trim().split('\n')[0] ?? '');
      return r.stdout.trim();
    })
    .catch((error: unknown) => {
      engineChecked = undefined;
      throw error instanceof DockerUnavailableError ? error : new DockerUnavailableError(String((error as Error).message ?? error));
    });
  return engineChecked;
}

/** True when `image` exists in the local engine. */
export async function imageExists(image: string): Promise<boolean> {
  return (await docker(['image', 'inspect', '--format', '{{.Id}}', image], { allowFailure: true })).code === 0;
}

let baseImages: Promise<{ node: string; python: string }> | undefined;

/**
 * Makes sure gridcore/base-node:local and gridcore/base-python:local exist, by running
 * scripts/images/build-base-images.sh (official images when a registry answers, else built from the
 * host's binaries). The script runs at most once per test process, and only when an image is missing.
 */
export function ensureBaseImages(): Promise<{ node: string; python: string }> {
  baseImages ??= (async () => {
    await requireDocker();
    const present = await docker(['image', 'inspect', '--format', '{{.Id}}', BASE_NODE_IMAGE, BASE_PYTHON_IMAGE], { allowFailure: true });
    if (present.code !== 0) {
      await run('bash', [BASE_IMAGES_SCRIPT], { timeoutMs: 10 * 60_000 });
    }
    return { node: BASE_NODE_IMAGE, python: BASE_PYTHON_IMAGE };
  })().catch((error: unknown) => {
    baseImages = undefined;
    throw error;
  });
  return baseImages;
}

export interface BuiltImage {
  tag: string;
  /** The image id (sha256:...). */
  id: string;
  /** The content hash stored in the image's {@link CONTENT_HASH_LABEL} label. */
  hash: string;
  /** True when an image with the same hash existed and nothing was built. */
  cached: boolean;
  /** Time spent, ms. */
  ms: number;
}

export interface BuildOptions {
  /** Kill the build after this long (default 15 min). */
  timeoutMs?: number;
  /** Rebuild even when the hash matches. */
  force?: boolean;
}

/**
 * Builds `tag` from `contextDir` (with `dockerfile`, relative to the context unless absolute, and
 * `buildArgs`) unless an image of that tag already carries the same content hash: the hash covers
 * every file the context sends (after .dockerignore), the Dockerfile, the build args and the ids of
 * the images its FROM lines name, so a rebuilt base image or a changed source file rebuilds.
 *
 * Builds use `--network host` (npm reaches the registry as the host does). When the Dockerfile
 * mentions `.build-context` and `NODE_EXTRA_CA_CERTS` names a file, that CA bundle is copied to
 * `<context>/.build-context/ca.pem` first (the TLS-intercepting proxy of shared/ENVIRONMENT.md).
 * Concurrent builds of one tag (parallel test files) are serialized with a lock file.
 */
export async function buildImage(
  tag: string,
  contextDir: string,
  dockerfile = 'Dockerfile',
  buildArgs: Record<string, string> = {},
  options: BuildOptions = {},
): Promise<BuiltImage> {
  const started = Date.now();
  await requireDocker();
  const context = resolve(contextDir);
  const dockerfilePath = isAbsolute(dockerfile) ? dockerfile : join(context, dockerfile);
  const dockerfileText = readFileSync(dockerfilePath, 'utf8');
  provideCaBundle(context, dockerfileText);
  const hash = await contentHash(context, dockerfilePath, dockerfileText, buildArgs);

  if (!options.force) {
    const existing = await labelOf(tag);
    if (existing === hash) {
      return { tag, id: await imageId(tag), hash, cached: true, ms: Date.now() - started };
    }
  }
  const lock = join(tmpdir(), `gridcore-build-${tag.replace(/[^A-Za-z0-9_.-]/g, '_')}.lock`);
  const args = ['-w', '1200', lock, 'docker', 'build', '--network', 'host', '-f', dockerfilePath, '-t', tag, '--label', `${CONTENT_HASH_LABEL}=${hash}`];
  for (const [key, value] of Object.entries(buildArgs)) args.push('--build-arg', `${key}=${value}`);
  args.push(context);
  await run('flock', args, { timeoutMs: options.timeoutMs ?? 15 * 60_000 }).catch((error: Error) => {
    throw new Error(`building ${tag} from ${dockerfilePath} failed: ${error.message}`);
  });
  return { tag, id: await imageId(tag), hash, cached: false, ms: Date.now() - started };
}

async function labelOf(tag: string): Promise<string | undefined> {
  const r = await docker(['image', 'inspect', '--format', `{{ index .Config.Labels "${CONTENT_HASH_LABEL}" }}`, tag], { allowFailure: true });
  return r.code === 0 ? r.stdout.trim() : undefined;
}

async function imageId(image: string): Promise<string> {
  return (await docker(['image', 'inspect', '--format', '{{.Id}}', image])).stdout.trim();
}

function provideCaBundle(context: string, dockerfileText: string): void {
  const ca = process.env.NODE_EXTRA_CA_CERTS;
  if (!ca || !dockerfileText.includes('.build-context') || !existsSync(ca)) return;
  const target = join(context, '.build-context', 'ca.pem');
  const bundle = readFileSync(ca);
  if (existsSync(target) && readFileSync(target).equals(bundle)) return;
  mkdirSync(join(context, '.build-context'), { recursive: true });
  copyFileSync(ca, target);
}

/** The hash {@link buildImage} labels images with. Exported for tests of the helper itself. */
export async function contentHash(
  context: string,
  dockerfilePath: string,
  dockerfileText: string,
  buildArgs: Record<string, string>,
): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`dockerfile\0${relative(context, dockerfilePath)}\0${dockerfileText}\0`);
  for (const key of Object.keys(buildArgs).sort()) hash.update(`arg\0${key}=${buildArgs[key]}\0`);
  for (const image of fromImages(dockerfileText, buildArgs)) {
    const r = await docker(['image', 'inspect', '--format', '{{.Id}}', image], { allowFailure: true });
    hash.update(`from\0${image}\0${r.code === 0 ? r.stdout.trim() : 'absent'}\0`);
  }
  const ignore = readIgnore(context);
  for (const file of listContext(context, '', ignore)) {
    const full = join(context, file);
    const stat = statSync(full);
    hash.update(`file\0${file}\0${stat.mode & 0o777}\0`);
    hash.update(readFileSync(full));
  }
  return hash.digest('hex').slice(0, 32);
}

/** The external images a Dockerfile's FROM lines name, with ARG defaults and build args applied. */
export function fromImages(dockerfileText: string, buildArgs: Record<string, string> = {}): string[] {
  const args: Record<string, string> = {};
  const stages = new Set<string>();
  const images: string[] = [];
  const lines = dockerfileText.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  for (const line of lines) {
    const arg = /^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(\S*))?/i.exec(line);
    if (arg) {
      args[arg[1]] = buildArgs[arg[1]] ?? (arg[2] ?? '').replace(/^["']|["']$/g, '');
      continue;
    }
    const from = /^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (!from) continue;
    const image = from[1].replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_m, name: string) => args[name] ?? buildArgs[name] ?? '');
    if (image !== 'scratch' && !stages.has(image.toLowerCase()) && !images.includes(image)) images.push(image);
    if (from[2]) stages.add(from[2].toLowerCase());
  }
  return images;
}

interface IgnoreRule {
  regex: RegExp;
  negate: boolean;
}

/** .dockerignore rules (Go filepath.Match syntax plus `**`), in order; the last match wins. */
function readIgnore(context: string): IgnoreRule[] {
  const file = join(context, '.dockerignore');
  if (!existsSync(file)) return [];
  const rules: IgnoreRule[] = [];
  for (const raw of readFileSync(file, 'utf8').split(/\r?\n/)) {
    let line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1).trim();
    line = line.replace(/^\/+/, '').replace(/\/+$/, '');
    let source = '';
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (c === '*' && line[i + 1] === '*') {
        source += '.*';
        i++;
        if (line[i + 1] === '/') i++;
      } else if (c === '*') source += '[^/]*';
      else if (c === '?') source += '[^/]';
      else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
    rules.push({ regex: new RegExp(`^${source}$`), negate });
  }
  return rules;
}

/** Whether a path is left out: a rule matches it or one of its parent folders. */
function ignored(path: string, rules: IgnoreRule[]): boolean {
  let result = false;
  const parts = path.split('/');
  for (const rule of rules) {
    for (let n = 1; n <= parts.length; n++) {
      if (rule.regex.test(parts.slice(0, n).join('/'))) {
        result = !rule.negate;
        break;
      }
    }
  }
  return result;
}

function listContext(context: string, dir: string, rules: IgnoreRule[]): string[] {
  const files: string[] = [];
  const canPrune = !rules.some((r) => r.negate);
  const entries = readdirSync(join(context, dir), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    const skip = ignored(rel, rules);
    if (entry.isDirectory()) {
      if (skip && canPrune) continue;
      files.push(...listContext(context, rel, rules));
    } else if (!skip && (entry.isFile() || entry.isSymbolicLink())) {
      if (entry.isSymbolicLink() && !existsSync(join(context, rel))) continue;
      files.push(rel.split(sep).join('/'));
    }
  }
  return files;
}

/** Removes (force) every container, running or not, that carries `label` (`key` or `key=value`). */
export async function removeContainersByLabel(label: string): Promise<number> {
  const listed = await docker(['ps', '-aq', '--no-trunc', '--filter', `label=${label}`]);
  const ids = listed.stdout.split(/\s+/).filter(Boolean);
  if (ids.length) await docker(['rm', '-f', '-v', ...ids], { allowFailure: true, timeoutMs: 120_000 });
  return ids.length;
}

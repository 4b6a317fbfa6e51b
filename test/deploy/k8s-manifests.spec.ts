import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { DaemonSet, Deployment } from 'kubernetes-models/apps/v1';
import { Namespace, PersistentVolumeClaim, Secret, Service } from 'kubernetes-models/v1';
import { configEnvName, GATEWAY_CONFIG_KEYS, GATEWAY_ENV_PREFIX, HUB_CONFIG_KEYS, HUB_ENV_PREFIX, NODE_CONFIG_KEYS, NODE_ENV_PREFIX } from '@gridcore/contracts/config-keys';

/**
 * deploy/k8s: every manifest parses, validates against the Kubernetes schemas (kubernetes-models),
 * and fits together: env names are config keys the apps read (SPEC §8), secret keys exist,
 * volumes, claims, selectors and ports match, probes hit the routes and files the apps serve.
 */
const REPO = resolve(__dirname, '..', '..');
const K8S_DIR = join(REPO, 'deploy', 'k8s');

type Manifest = { kind: string; apiVersion: string; metadata: { name: string }; [k: string]: any };

const MODELS: Record<string, { validate(data: Manifest): void }> = {
  'apps/v1/Deployment': { validate: (d) => new Deployment(d as any).validate() },
  'apps/v1/DaemonSet': { validate: (d) => new DaemonSet(d as any).validate() },
  'v1/Service': { validate: (d) => new Service(d as any).validate() },
  'v1/Secret': { validate: (d) => new Secret(d as any).validate() },
  'v1/PersistentVolumeClaim': { validate: (d) => new PersistentVolumeClaim(d as any).validate() },
  'v1/Namespace': { validate: (d) => new Namespace(d as any).validate() },
};

const HUB_ENV = new Set(HUB_CONFIG_KEYS.map((k) => configEnvName(HUB_ENV_PREFIX, k)));
const NODE_ENV = new Set(NODE_CONFIG_KEYS.map((k) => configEnvName(NODE_ENV_PREFIX, k)));
const GATEWAY_ENV = new Set(GATEWAY_CONFIG_KEYS.map((k) => configEnvName(GATEWAY_ENV_PREFIX, k)));

function parseFile(file: string): Manifest[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  return docs.map((doc) => {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS() as Manifest;
  }).filter((m) => m !== null);
}

function loadManifests(dir: string): Map<string, Manifest[]> {
  const files = new Map<string, Manifest[]>();
  for (const name of readdirSync(dir).filter((n) => /\.ya?ml$/.test(n) && n !== 'kustomization.yaml')) {
    files.set(name, parseFile(join(dir, name)));
  }
  return files;
}

/** Schema validation: one message per invalid object. */
function schemaProblems(manifests: Manifest[]): string[] {
  const problems: string[] = [];
  for (const m of manifests) {
    const model = MODELS[`${m.apiVersion}/${m.kind}`];
    if (!model) {
      problems.push(`${m.kind} ${m.metadata?.name}: no schema known for ${m.apiVersion}/${m.kind}`);
      continue;
    }
    try {
      model.validate(m);
    } catch (err) {
      problems.push(`${m.kind} ${m.metadata?.name}: ${(err as Error).message}`);
    }
  }
  return problems;
}

function podSpec(m: Manifest): any {
  return m.spec?.template?.spec;
}

/** Which app a container runs, from its image. */
function appOf(image: string): 'hub' | 'node' | 'gateway' | undefined {
  if (/(^|\/)computehub(:|$)/.test(image)) return 'hub';
  if (/(^|\/)gateway(:|$)/.test(image)) return 'gateway';
  if (/(^|\/)gridnode(:|$)/.test(image)) return 'node';
  return undefined;
}

/** Cross-object checks; returns every problem found (empty: consistent). */
function consistencyProblems(manifests: Manifest[]): string[] {
  const problems: string[] = [];
  const secrets = new Map<string, Set<string>>();
  for (const s of manifests.filter((m) => m.kind === 'Secret')) {
    secrets.set(s.metadata.name, new Set([...Object.keys(s.stringData ?? {}), ...Object.keys(s.data ?? {})]));
  }
  const claims = new Set(manifests.filter((m) => m.kind === 'PersistentVolumeClaim').map((m) => m.metadata.name));

  for (const workload of manifests.filter((m) => m.kind === 'Deployment' || m.kind === 'DaemonSet')) {
    const where = `${workload.kind} ${workload.metadata.name}`;
    const spec = podSpec(workload);
    const labels = workload.spec.template.metadata?.labels ?? {};
    for (const [k, v] of Object.entries(workload.spec.selector?.matchLabels ?? {})) {
      if (labels[k] !== v) problems.push(`${where}: selector ${k}=${v} does not match the pod template's labels`);
    }
    const volumes = new Map<string, any>((spec.volumes ?? []).map((v: any) => [v.name, v]));
    for (const v of volumes.values()) {
      if (v.persistentVolumeClaim && !claims.has(v.persistentVolumeClaim.claimName)) {
        problems.push(`${where}: volume ${v.name} claims ${v.persistentVolumeClaim.claimName}, which no manifest defines`);
      }
    }
    for (const c of spec.containers ?? []) {
      const app = appOf(c.image);
      if (!app) {
        problems.push(`${where}: container ${c.name} runs ${c.image}, not computehub, gridnode or gateway`);
        continue;
      }
      const allowed = app === 'hub' ? HUB_ENV : app === 'gateway' ? GATEWAY_ENV : NODE_ENV;
      for (const e of c.env ?? []) {
        if (!allowed.has(e.name)) problems.push(`${where}: env ${e.name} is not a ${app} config key of SPEC §8`);
        const ref = e.valueFrom?.secretKeyRef;
        if (ref && !ref.optional && !secrets.get(ref.name)?.has(ref.key)) {
          problems.push(`${where}: env ${e.name} reads key ${ref.key} of Secret ${ref.name}, which has no such key`);
        }
      }
      const names = (c.env ?? []).map((e: any) => e.name);
      for (const dup of names.filter((n: string, i: number) => names.indexOf(n) !== i)) {
        problems.push(`${where}: env ${dup} is set twice`);
      }
      for (const mount of c.volumeMounts ?? []) {
        if (!volumes.has(mount.name)) problems.push(`${where}: mount ${mount.name} names no volume`);
      }
    }
  }

  for (const svc of manifests.filter((m) => m.kind === 'Service')) {
    const target = manifests.find(
      (m) =>
        (m.kind === 'Deployment' || m.kind === 'DaemonSet') &&
        Object.entries(svc.spec.selector ?? {}).every(([k, v]) => m.spec.template.metadata?.labels?.[k] === v),
    );
    if (!target) {
      problems.push(`Service ${svc.metadata.name}: its selector matches no workload`);
      continue;
    }
    const ports = podSpec(target).containers.flatMap((c: any) => c.ports ?? []);
    for (const p of svc.spec.ports ?? []) {
      const ok = typeof p.targetPort === 'string' ? ports.some((cp: any) => cp.name === p.targetPort) : ports.some((cp: any) => cp.containerPort === (p.targetPort ?? p.port));
      if (!ok) problems.push(`Service ${svc.metadata.name}: targetPort ${p.targetPort ?? p.port} is no container port of ${target.metadata.name}`);
    }
  }
  return problems;
}

function envValue(container: any, name: string): string | undefined {
  return container.env?.find((e: any) => e.name === name)?.value;
}

function find(manifests: Manifest[], kind: string, name: string): Manifest {
  const m = manifests.find((x) => x.kind === kind && x.metadata.name === name);
  if (!m) throw new Error(`no ${kind} ${name} in deploy/k8s`);
  return m;
}

describe('deploy/k8s manifests', () => {
  const files = loadManifests(K8S_DIR);
  const manifests = [...files.values()].flat();

  it('lists every manifest file in kustomization.yaml, and only those', () => {
    const kustomization = parseFile(join(K8S_DIR, 'kustomization.yaml'))[0] as any;
    expect([...kustomization.resources].sort()).toEqual([...files.keys()].sort());
    const images = kustomization.images.map((i: any) => i.name).sort();
    const used = [...new Set(manifests.flatMap((m) => podSpec(m)?.containers ?? []).map((c: any) => c.image))].sort();
    expect(images).toEqual(used);
  });

  it('validates every object against the Kubernetes schemas', () => {
    expect(manifests.map((m) => m.kind).sort()).toEqual(
      ['DaemonSet', 'Deployment', 'Deployment', 'Namespace', 'PersistentVolumeClaim', 'Secret', 'Service', 'Service'].sort(),
    );
    expect(schemaProblems(manifests)).toEqual([]);
  });

  it('fits together: env names are SPEC §8 keys, secret keys, volumes, claims, selectors and ports exist', () => {
    expect(consistencyProblems(manifests)).toEqual([]);
  });

  it('mentions only SPEC §8 env names in its commented-out alternatives too', () => {
    for (const name of files.keys()) {
      const text = readFileSync(join(K8S_DIR, name), 'utf8');
      for (const [, env] of text.matchAll(/#\s*-\s*name:\s*((?:COMPUTEHUB|GRIDNODE)_[A-Z_]+)/g)) {
        expect(HUB_ENV.has(env) || NODE_ENV.has(env)).toBe(true);
      }
    }
    expect(readFileSync(join(K8S_DIR, 'hub-deployment.yaml'), 'utf8')).toMatch(/#\s*-\s*name:\s*COMPUTEHUB_STATE_REDIS_URL/);
  });

  it('runs the hub as the Dockerfile.hub user, with probes on the terminus routes and state on the PVC', () => {
    const hub = find(manifests, 'Deployment', 'computehub');
    const spec = podSpec(hub);
    const c = spec.containers[0];
    const dockerUser = /^USER\s+(\d+)/m.exec(readFileSync(join(REPO, 'Dockerfile.hub'), 'utf8'))?.[1];
    expect(spec.securityContext.runAsNonRoot).toBe(true);
    expect(String(spec.securityContext.runAsUser)).toBe(dockerUser);
    expect(c.livenessProbe.httpGet.path).toBe('/health/live');
    expect(c.readinessProbe.httpGet.path).toBe('/health/ready');
    expect(c.resources.requests).toBeDefined();
    expect(c.resources.limits).toBeDefined();
    const stateDir = envValue(c, 'COMPUTEHUB_STATE_DIR');
    const mount = c.volumeMounts.find((m: any) => m.mountPath === stateDir);
    expect(spec.volumes.find((v: any) => v.name === mount?.name)?.persistentVolumeClaim).toBeDefined();
    const tokens = ['COMPUTEHUB_ADMIN_TOKENS', 'COMPUTEHUB_VIEWER_TOKENS', 'COMPUTEHUB_NODE_TOKENS', 'COMPUTEHUB_TOKEN'];
    for (const t of tokens) expect(c.env.find((e: any) => e.name === t)?.valueFrom?.secretKeyRef).toBeDefined();
    expect(hub.spec.replicas).toBe(1);
    expect(hub.spec.strategy.type).toBe('Recreate');
  });

  it('gives the node the Docker socket, a host state dir, a grace period beyond stop_timeout and a status-file liveness', () => {
    const ds = find(manifests, 'DaemonSet', 'gridnode');
    const spec = podSpec(ds);
    const c = spec.containers[0];
    const volumeFor = (path: string) => {
      const mount = c.volumeMounts.find((m: any) => m.mountPath === path);
      return spec.volumes.find((v: any) => v.name === mount?.name);
    };
    const socket = envValue(c, 'GRIDNODE_DOCKER_SOCKET') ?? '/var/run/docker.sock';
    expect(volumeFor(socket)?.hostPath).toEqual({ path: '/var/run/docker.sock', type: 'Socket' });
    const stateDir = envValue(c, 'GRIDNODE_STATE_DIR');
    expect(stateDir).toBe('/var/lib/gridcore');
    expect(volumeFor(stateDir!)?.hostPath?.path).toBe('/var/lib/gridcore');

    const stopTimeout = Number(envValue(c, 'GRIDNODE_STOP_TIMEOUT') ?? 30);
    expect(spec.terminationGracePeriodSeconds).toBeGreaterThan(stopTimeout + 10);

    expect(c.livenessProbe.exec.command).toEqual(['node', '/app/healthcheck.js']);
    const dockerfile = readFileSync(join(REPO, 'Dockerfile.node'), 'utf8');
    expect(dockerfile).toMatch(/COPY deploy\/docker\/gridnode-healthcheck\.js \.\/healthcheck\.js/);
    expect(dockerfile).toMatch(/^WORKDIR \/app$/m);

    expect(c.env.find((e: any) => e.name === 'GRIDNODE_HOSTNAME')?.valueFrom?.fieldRef?.fieldPath).toBe('spec.nodeName');
    expect(c.env.find((e: any) => e.name === 'GRIDNODE_TOKEN')?.valueFrom?.secretKeyRef).toBeDefined();
    expect(envValue(c, 'GRIDNODE_NETWORK_MODE')).toBe('host');
    expect(envValue(c, 'GRIDNODE_SERVER_URL')).toMatch(/^http:\/\/computehub:8080$/);
    expect(Array.isArray(spec.tolerations)).toBe(true);
  });

  it('keeps the node token among the hub node tokens, and the gateway token among its gateway tokens', () => {
    const secret = find(manifests, 'Secret', 'gridcore-tokens');
    expect(secret.stringData['node-tokens'].split(',')).toContain(secret.stringData['node-token']);
    expect(secret.stringData['gateway-tokens'].split(',')).toContain(secret.stringData['gateway-token']);
  });

  it('runs the data gateway as replicas behind one Service, with TLS off loopback, at the address the hub hands out', () => {
    const gateway = find(manifests, 'Deployment', 'gridcore-gateway');
    const spec = podSpec(gateway);
    const c = spec.containers[0];
    expect(gateway.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(spec.securityContext.runAsNonRoot).toBe(true);
    expect(envValue(c, 'GATEWAY_BIND')).toBe('0.0.0.0:6390');
    const mountOf = (file: string | undefined) => c.volumeMounts.find((m: any) => file?.startsWith(`${m.mountPath}/`));
    for (const key of ['GATEWAY_TLS_CERT', 'GATEWAY_TLS_KEY']) expect(spec.volumes.find((v: any) => v.name === mountOf(envValue(c, key))?.name)?.secret).toBeDefined();
    expect(envValue(c, 'GATEWAY_HUB_URL')).toBe('http://computehub:8080');
    const service = find(manifests, 'Service', 'gridcore-gateway');
    const hub = podSpec(find(manifests, 'Deployment', 'computehub')).containers[0];
    expect(envValue(hub, 'COMPUTEHUB_GATEWAY_URL')).toBe(`rediss://${service.metadata.name}:${service.spec.ports[0].port}`);
    const dockerfile = readFileSync(join(REPO, 'Dockerfile.gateway'), 'utf8');
    expect(dockerfile).toMatch(/dist\/apps\/gateway\/apps\/gateway\/src\/main\.js/);
    expect(String(spec.securityContext.runAsUser)).toBe(/^USER\s+(\d+)/m.exec(dockerfile)?.[1]);
  });

  // The checks above must be able to fail: broken copies of the real manifests are caught.
  describe('catches broken manifests', () => {
    const clone = () => JSON.parse(JSON.stringify(manifests)) as Manifest[];

    it('reports a schema violation', () => {
      const broken = clone();
      podSpec(find(broken, 'Deployment', 'computehub')).containers[0].imagePullPolicy = 'Sometimes';
      expect(schemaProblems(broken).join('\n')).toMatch(/Deployment computehub: .*imagePullPolicy/);
    });

    it('reports an env name that is no config key, and a key of the wrong app', () => {
      const broken = clone();
      podSpec(find(broken, 'Deployment', 'computehub')).containers[0].env.push({ name: 'COMPUTEHUB_ADMIN_TOKEN', value: 'x' });
      podSpec(find(broken, 'DaemonSet', 'gridnode')).containers[0].env.push({ name: 'COMPUTEHUB_BIND', value: 'x' });
      const problems = consistencyProblems(broken).join('\n');
      expect(problems).toMatch(/env COMPUTEHUB_ADMIN_TOKEN is not a hub config key/);
      expect(problems).toMatch(/DaemonSet gridnode: env COMPUTEHUB_BIND is not a node config key/);
    });

    it('reports a missing secret key, volume, claim and service port', () => {
      const broken = clone();
      const hub = podSpec(find(broken, 'Deployment', 'computehub'));
      hub.containers[0].env.find((e: any) => e.name === 'COMPUTEHUB_ADMIN_TOKENS').valueFrom.secretKeyRef.key = 'admins';
      hub.containers[0].volumeMounts.push({ name: 'nope', mountPath: '/x' });
      hub.volumes.find((v: any) => v.persistentVolumeClaim).persistentVolumeClaim.claimName = 'other';
      find(broken, 'Service', 'computehub').spec.ports[0].targetPort = 'web';
      const problems = consistencyProblems(broken).join('\n');
      expect(problems).toMatch(/reads key admins of Secret gridcore-tokens/);
      expect(problems).toMatch(/mount nope names no volume/);
      expect(problems).toMatch(/claims other, which no manifest defines/);
      expect(problems).toMatch(/targetPort web is no container port/);
    });
  });
});

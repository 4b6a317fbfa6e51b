import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadProtocol, KeyRole, ProtocolManifest } from './protocol';
import type { RedisClient } from './redis-client';
import { scriptsDir } from './script-loader';
import { WorkQueue } from './work-queue';

const DIR = scriptsDir(__dirname, {});
const PYTHON_SDK = resolve(__dirname, '..', 'python');
const manifest: ProtocolManifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8'));
const FILE = /^([a-z-]+)-(\d+)\.lua$/;
const luaFiles = readdirSync(DIR).filter((f) => FILE.test(f));

/** What a script's `--[[ ... ]]` header declares: KEYS by name, ARGV count, reply fields. */
function header(file: string) {
  const source = readFileSync(join(DIR, file), 'utf8');
  const text = source.slice(0, source.indexOf(']]'));
  const keys: Record<number, string> = {};
  for (const m of text.matchAll(/(?:^|\s)KEYS\[(\d+)\]\s+(\S+)/g)) keys[Number(m[1])] = m[2];
  let fixed = 0;
  let rest: number | undefined;
  for (const m of text.matchAll(/ARGV\[(\d+)(\.\.[^\]]*)?\]/g)) {
    if (m[2]) rest = Number(m[1]);
    else fixed = Math.max(fixed, Number(m[1]));
  }
  const reply = (/Returns \{([^}]*)\}/.exec(text)?.[1] ?? '').split(',').map((f) => f.trim());
  const body = source.slice(source.indexOf(']]'));
  const answered = new Set([...body.matchAll(/\{(E_[A-Z_]+)\s*,/g)].map((m) => m[1]));
  return { keys, fixed, rest, reply, answered };
}

describe('scripts/manifest.json', () => {
  it('declares every script file, and only those', () => {
    expect(Object.values(manifest.scripts).map((s) => s.file).sort()).toEqual(luaFiles.sort());
    for (const [name, s] of Object.entries(manifest.scripts)) expect(FILE.exec(s.file)?.[1]).toBe(name);
  });

  it.each(Object.keys(manifest.scripts))('%s: the Lua header and the manifest agree', (name) => {
    const s = manifest.scripts[name];
    const h = header(s.file);
    expect(s.keys.length).toBe(Number(FILE.exec(s.file)?.[2]));
    expect(Object.keys(h.keys).map(Number)).toEqual(s.keys.map((_, i) => i + 1));
    expect(s.keys.map((role, i) => [i + 1, manifest.keyNames[role]])).toEqual(s.keys.map((_, i) => [i + 1, h.keys[i + 1]]));
    const variadic = s.args.length > 0 && s.args[s.args.length - 1].endsWith('...');
    const fixed = s.args.length - (variadic ? 1 : 0);
    expect({ fixed: h.fixed, rest: h.rest }).toEqual({ fixed, rest: variadic ? fixed + 1 : undefined });
    expect(h.reply.length).toBe(s.reply.length);
    h.reply.forEach((field, i) => {
      if (!/^\d+$/.test(field)) expect([i, field]).toEqual([i, s.reply[i]]);
    });
    const known = Object.values(manifest.errors).map((e) => e.lua);
    for (const e of s.errors) expect(known).toContain(e);
    for (const e of h.answered) expect(s.errors).toContain(e);
  });

  it('holds the error table includes/common.lua defines, code for code', () => {
    const common = readFileSync(join(DIR, 'includes', 'common.lua'), 'utf8');
    const defined: Record<string, number> = {};
    for (const m of common.matchAll(/^local ((?:E_[A-Z_]+,?\s*)+)=\s*([-\d,\s]+)$/gm)) {
      const names = m[1].split(',').map((n) => n.trim());
      const codes = m[2].split(',').map((c) => Number(c.trim()));
      names.forEach((n, i) => (defined[n] = codes[i]));
    }
    expect(defined).toEqual(Object.fromEntries(Object.entries(manifest.errors).map(([code, e]) => [e.lua, Number(code)])));
  });
});

/** The calls both SDKs make for the same operations, recorded (no server): name, KEYS by role, ARGV. */
type Recorded = { script: string; keys: string[]; args: string[] };

const ROLE_OF = (queue: string, output: string): Record<string, KeyRole> => {
  const p = `{${queue}}`;
  return {
    [queue]: 'input',
    [`${p}:seq`]: 'seq',
    [`${p}:leases`]: 'leases',
    [`${p}:taken`]: 'taken',
    [`${p}:retry`]: 'retry',
    [`${p}:attempts`]: 'attempts',
    [`${p}:dead`]: 'dead',
    [`${p}:stats`]: 'stats',
    [`${p}:config`]: 'config',
    [`${p}:causes`]: 'causes',
    [output]: 'output',
  };
};

function fakeReply(script: string): unknown[] {
  return manifest.scripts[script].reply.map((f) => (['items', 'batch_keys', 'config', 'nodes'].includes(f) ? [] : f === 'source' ? 'input' : f === 'batch_key' ? 'k' : 0));
}

async function tsCalls(queue: string, output: string, batchKey: string): Promise<Recorded[]> {
  const shas = new Map<string, string>();
  const wq0 = new WorkQueue({} as RedisClient, queue, { outputQueue: output });
  for (const name of Object.keys(manifest.scripts)) shas.set(wq0.scripts.script(name).sha, name);
  const recorded: Recorded[] = [];
  const client = {
    evalsha: async (sha: string, numKeys: number, ...rest: (string | number)[]) => {
      const script = shas.get(sha) as string;
      recorded.push({ script, keys: rest.slice(0, numKeys).map(String), args: rest.slice(numKeys).map(String) });
      return fakeReply(script);
    },
  } as unknown as RedisClient;
  const wq = new WorkQueue(client, queue, { outputQueue: output, defaults: { leaseS: 7, batchTimeoutS: 70, maxAttempts: 4 } });
  const lane = wq.keys.lanePrefix({ nodeId: 'n1', instance: 'i1', runId: 'r1', lane: 0 });
  await wq.take({ ack: { batchKey, results: ['a', 'b'] }, lanePrefix: lane, nodeId: 'n1', size: 50, fromRetry: true, blockMs: 1500 });
  const group = wq.laneGroupTakes({ lanePrefix: lane, nodeId: 'n1', size: 5, blockMs: 1500 });
  await group.take([{ batchKey, results: ['a', 'b'] }, { batchKey: `${batchKey}0`, results: ['c'] }], true, 3);
  await wq.ackMany('n1', [{ batchKey, results: ['a'] }, { batchKey: `${batchKey}0`, results: ['c'] }]);
  await wq.ack(batchKey, 'n1', { results: ['a', 'b'] });
  await wq.renew(batchKey);
  await wq.requeue([batchKey]);
  await wq.requeue([batchKey], { kind: 'error', message: 'boom 7 "é"' });
  await wq.handBack([batchKey]);
  await wq.returnSlot(wq.keys.slotPrefix('n1', 'i1', 'r1'), 'hand-back');
  await wq.returnSlot(wq.keys.slotPrefix('n1', 'i1', 'r1'), 'requeue', 100, { kind: 'worker-error', message: 'worker error: x' });
  return recorded;
}

function pyCalls(queue: string, output: string, batchKey: string): Recorded[] {
  const program = `
import json, sys
sys.path.insert(0, ${JSON.stringify(PYTHON_SDK)})
import gridcore_worker as g
calls = []
class Recorder:
    def __init__(self, scripts):
        self.names = {sha: name for name, (_, _, sha) in scripts.scripts.items()}
        self.scripts = scripts
    def evalsha(self, sha, num, *rest):
        name = self.names[sha]
        calls.append({"script": name, "keys": [str(x) for x in rest[:num]], "args": [str(x) for x in rest[num:]]})
        return [[] if f in ("items", "batch_keys", "config", "nodes") else "input" if f == "source" else "k" if f == "batch_key" else 0
                for f in self.scripts.protocol.declaration(name)["reply"]]
s = {"node": "n1", "instance": "i1", "run": "r1", "output_queue": ${JSON.stringify(output)}, "batch": 5, "block_s": 1.5,
     "env_config": {"lease_s": 7, "batch_timeout_s": 70, "max_attempts": 4}}
scripts = g.Scripts(${JSON.stringify(DIR)})
keys = g.QueueKeys(${JSON.stringify(queue)})
conns = type("Conns", (), {"main": Recorder(scripts), "call": staticmethod(lambda fn, *a: fn(*a))})
w = g.WorkerScriptRunner(conns, keys, s, scripts, True, None, None, None)
lane = type("Lane", (), {"prefix": keys.lane_prefix("n1", "i1", "r1", 0)})
key = ${JSON.stringify(batchKey)}
s["batch"] = 50
w.take(lane, [{"key": key, "results": ["a", "b"]}], True, 1)
s["batch"] = 5
w.take(lane, [{"key": key, "results": ["a", "b"]}, {"key": key + "0", "results": ["c"]}], True, 3)
w.ack_many([{"key": key, "results": ["a"]}, {"key": key + "0", "results": ["c"]}])
w.ack({"key": key, "results": ["a", "b"]})
w.renew(key)
w.requeue([key])
w.requeue([key], {"kind": "error", "message": 'boom 7 "\u00e9"'})
w.hand_back([key])
w.return_slot(keys.slot_prefix("n1", "i1", "r1"), "hand-back")
w.return_slot(keys.slot_prefix("n1", "i1", "r1"), "requeue", {"kind": "worker-error", "message": "worker error: x"})
print(json.dumps(calls))
`;
  const r = spawnSync('/usr/bin/python3', ['-c', program], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python SDK: ${r.stderr}`);
  return JSON.parse(r.stdout) as Recorded[];
}

describe('both SDKs call the scripts as the manifest declares', () => {
  const queue = 'proto-q';
  const output = 'proto-q:out';
  const batchKey = '{proto-q}:batch:n1:i1:r1:0:3';

  it('the same KEYS (by role) and ARGV from the TypeScript and the Python SDK', async () => {
    const ts = await tsCalls(queue, output, batchKey);
    const py = pyCalls(queue, output, batchKey);
    expect(ts.map((c) => c.script)).toEqual(['take', 'take-group', 'take-group', 'ack', 'renew', 'requeue', 'requeue', 'hand-back', 'requeue-by-slot', 'requeue-by-slot']);
    expect(ts[6].args[1]).toBe('{"kind":"error","message":"boom 7 \\"é\\""}');
    expect(py).toEqual(ts);
    const roles = ROLE_OF(queue, output);
    for (const call of ts) expect(call.keys.map((k) => roles[k])).toEqual(manifest.scripts[call.script].keys);
    const take = ts[0];
    expect(take.args).toEqual([batchKey, '1', 'n1', '{proto-q}:batch:n1:i1:r1:0:', '50', '1', '1500', '7', '70', '4', '2', 'a', 'b']);
    expect(ts[1].args).toEqual(['1', 'n1', '{proto-q}:batch:n1:i1:r1:0:', '5', '3', '1', '1500', '7', '70', '4', '2', batchKey, `${batchKey}0`, '2', '1', 'a', 'b', 'c']);
    expect(ts[2].args).toEqual(['1', 'n1', '', '1', '1', '0', '0', '7', '70', '4', '2', batchKey, `${batchKey}0`, '1', '1', 'a', 'c']);
  });

  it("a lane's take call reads the manifest once; each take then only fills in its ack and from-retry", async () => {
    const sent: string[][] = [];
    const client = {
      evalsha: async (_sha: string, numKeys: number, ...rest: (string | number)[]) => {
        sent.push(rest.slice(numKeys).map((a) => (typeof a === 'string' ? a : `not a string: ${a}`)));
        return [1, 'k2', ['x'], 0, 7000, 'input', 0];
      },
    } as unknown as RedisClient;
    const wq = new WorkQueue(client, queue, { outputQueue: output, defaults: { leaseS: 7, batchTimeoutS: 70, maxAttempts: 4 } });
    const lane = wq.keys.lanePrefix({ nodeId: 'n1', instance: 'i1', runId: 'r1', lane: 0 });
    const call = wq.laneTakes({ lanePrefix: lane, nodeId: 'n1', size: 1, blockMs: 1500 });
    const args = jest.spyOn(wq.scripts.protocol, 'args');
    const first = await call.take(undefined, false);
    await call.take({ batchKey, results: ['r'] }, true);
    await call.take({ batchKey, count: 1 }, false);
    expect(args).not.toHaveBeenCalled();
    expect(first).toEqual({ ack: 'acked', batchKey: 'k2', items: ['x'], retryLength: 0, leaseMs: 7000, source: 'input', healed: 0 });
    expect(sent).toEqual([
      ['', '0', 'n1', lane, '1', '0', '1500', '7', '70', '4', '0'],
      [batchKey, '1', 'n1', lane, '1', '1', '1500', '7', '70', '4', '1', 'r'],
      [batchKey, '0', 'n1', lane, '1', '0', '1500', '7', '70', '4', '1'],
    ]);
  });

  it('refuses a call whose arguments the manifest does not declare', () => {
    const protocol = loadProtocol(DIR);
    expect(() => protocol.args('renew', { batch_key: 'k', lease_s: 1 })).toThrow(/renew: argument batch_timeout_s is missing/);
    expect(() => protocol.args('renew', { batch_key: 'k', lease_s: 1, batch_timeout_s: 2, extra: 3 })).toThrow(/renew: argument extra is not declared/);
  });
});

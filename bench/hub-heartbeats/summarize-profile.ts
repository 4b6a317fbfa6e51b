/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): where the time went, by package, by function
 * (self time), and the frames that hold the most time including their callees.
 * Usage: summarize-profile.ts <file.cpuprofile> [fromMs toMs]   (a window since the profile began)
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Window {
  fromMs: number;
  toMs: number;
}

/** Which package a frame belongs to: a node_modules package, the hub, node internals, or V8. */
function packageOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(V8 builtins: JSON, RegExp, ...)';
  if (url.startsWith('node:')) return 'node: internals';
  const nm = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (nm) return nm[1];
  if (url.includes('/apps/computehub/')) return 'apps/computehub';
  if (url.includes('/libs/')) return 'libs (gridcore)';
  return url;
}

function where(frame: CallFrame): string {
  const url = frame.url.replace(/^file:\/\//, '');
  const short = url.includes('/node_modules/') ? url.slice(url.lastIndexOf('/node_modules/') + 14) : url.replace(/^.*\/dist\//, 'dist/');
  return short ? `${short}:${frame.lineNumber + 1}` : '';
}

function keyOf(frame: CallFrame): string {
  return `${frame.functionName || '(anonymous)'} ${where(frame)}`.trim();
}

function table(rows: [string, number][], totalUs: number, limit: number): string {
  return rows
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, us]) => `${(us / 1000).toFixed(0).padStart(8)} ms ${((100 * us) / totalUs).toFixed(1).padStart(5)} %  ${name}`)
    .join('\n');
}

export function summarizeProfile(file: string, window?: Window, limit = 25): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  // The distinct function keys on a node's stack, memoised per node.
  const stackKeys = new Map<number, string[]>();
  const keysOf = (id: number): string[] => {
    const cached = stackKeys.get(id);
    if (cached) return cached;
    const keys = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)!.callFrame;
      if (frame.functionName !== '(root)') keys.add(keyOf(frame));
    }
    const list = [...keys];
    stackKeys.set(id, list);
    return list;
  };

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const packages = new Map<string, number>();
  let totalUs = 0;
  let t = 0;
  const fromUs = (window?.fromMs ?? 0) * 1000;
  const toUs = (window?.toMs ?? Infinity) * 1000;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    // A sample stands for the time until the next one.
    const us = i + 1 < profile.samples.length ? profile.timeDeltas[i + 1] : 0;
    if (t < fromUs || t > toUs || us <= 0) continue;
    const node = byId.get(profile.samples[i])!;
    totalUs += us;
    const key = keyOf(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + us);
    const pkg = packageOf(node.callFrame);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
    for (const k of keysOf(node.id)) inclusive.set(k, (inclusive.get(k) ?? 0) + us);
  }
  const span = window ? `${window.fromMs.toFixed(0)}..${window.toMs.toFixed(0)} ms of the profile` : 'the whole profile';
  return [
    `profile ${file}: ${(totalUs / 1000).toFixed(0)} ms sampled in ${span}`,
    '',
    'self time by package:',
    table([...packages], totalUs, limit),
    '',
    `top ${limit} functions by self time:`,
    table([...self], totalUs, limit),
    '',
    `top ${limit} frames by total time (self + callees), (program) and (idle) aside:`,
    table(
      [...inclusive].filter(([k]) => !k.startsWith('(')),
      totalUs,
      limit,
    ),
  ].join('\n');
}

if (require.main === module) {
  const [file, from, to] = process.argv.slice(2);
  if (!file) {
    console.error('usage: summarize-profile.ts <file.cpuprofile> [fromMs toMs]');
    process.exit(2);
  }
  const window = from !== undefined && to !== undefined ? { fromMs: Number(from), toMs: Number(to) } : undefined;
  console.log(summarizeProfile(file, window));
}

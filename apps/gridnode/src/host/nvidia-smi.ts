import { execFile } from 'node:child_process';

/** One GPU as the node reports it: inventory (register) and use (heartbeat). */
export interface GpuSample {
  index: number;
  uuid?: string;
  name: string;
  memory_total_mib: number;
  mem_used_mib: number;
  util_pct: number;
  temperature_c?: number;
  power_w?: number;
}

/** The query the node runs (shared/fixtures/nvidia-smi/README.md), CSV without header or units. */
export const NVIDIA_QUERY_FIELDS = [
  'index',
  'uuid',
  'name',
  'driver_version',
  'memory.total',
  'memory.used',
  'memory.free',
  'utilization.gpu',
  'utilization.memory',
  'temperature.gpu',
  'power.draw',
  'power.limit',
] as const;

function num(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number.parseFloat(text.replace(/[^\d.+-eE]/g, ''));
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Parses `nvidia-smi --query-gpu=<NVIDIA_QUERY_FIELDS> --format=csv,noheader,nounits`, or the
 * same query with a header (its units are stripped); values nvidia-smi cannot read ("[N/A]") are
 * left out.
 */
export function parseNvidiaCsv(text: string, fields: readonly string[] = NVIDIA_QUERY_FIELDS): GpuSample[] {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  let columns = [...fields];
  if (lines.length && /^index\s*,/.test(lines[0])) {
    columns = lines.shift()!.split(',').map((h) => h.trim().replace(/\s*\[.*\]$/, ''));
  }
  const at = (cells: string[], field: string) => {
    const i = columns.indexOf(field);
    return i >= 0 ? cells[i] : undefined;
  };
  const gpus: GpuSample[] = [];
  for (const line of lines) {
    const cells = line.split(',').map((c) => c.trim());
    const index = num(at(cells, 'index'));
    if (index === undefined) continue;
    const sample: GpuSample = {
      index,
      name: at(cells, 'name') ?? 'GPU',
      memory_total_mib: num(at(cells, 'memory.total')) ?? 0,
      mem_used_mib: num(at(cells, 'memory.used')) ?? 0,
      util_pct: num(at(cells, 'utilization.gpu')) ?? 0,
    };
    const uuid = at(cells, 'uuid');
    if (uuid) sample.uuid = uuid;
    const temp = num(at(cells, 'temperature.gpu'));
    if (temp !== undefined) sample.temperature_c = temp;
    const power = num(at(cells, 'power.draw'));
    if (power !== undefined) sample.power_w = power;
    gpus.push(sample);
  }
  return gpus;
}

function tag(block: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(block);
  return m ? m[1].trim() : undefined;
}

function section(block: string, name: string): string {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(block);
  return m ? m[1] : '';
}

/** Parses `nvidia-smi -q -x` (the XML report). */
export function parseNvidiaXml(xml: string): GpuSample[] {
  const gpus: GpuSample[] = [];
  const blocks = xml.split(/<gpu id="[^"]*">/).slice(1);
  blocks.forEach((block, i) => {
    const memory = section(block, 'fb_memory_usage');
    const power = section(block, 'gpu_power_readings') || section(block, 'power_readings');
    const sample: GpuSample = {
      index: num(tag(block, 'minor_number')) ?? i,
      name: tag(block, 'product_name') ?? 'GPU',
      memory_total_mib: num(tag(memory, 'total')) ?? 0,
      mem_used_mib: num(tag(memory, 'used')) ?? 0,
      util_pct: num(tag(section(block, 'utilization'), 'gpu_util')) ?? 0,
    };
    const uuid = tag(block, 'uuid');
    if (uuid) sample.uuid = uuid;
    const temp = num(tag(section(block, 'temperature'), 'gpu_temp'));
    if (temp !== undefined) sample.temperature_c = temp;
    const watts = num(tag(power, 'instant_power_draw')) ?? num(tag(power, 'power_draw')) ?? num(tag(power, 'average_power_draw'));
    if (watts !== undefined) sample.power_w = watts;
    gpus.push(sample);
  });
  return gpus;
}

function run(binary: string, args: string[], timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(binary, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout) => resolve(err ? null : stdout));
  });
}

/**
 * Asks `nvidia-smi` (on PATH) for the GPUs: the CSV query first, the XML report if that fails.
 * No nvidia-smi, or one that fails: no GPUs (an empty list), never an error.
 */
export async function probeGpus(binary = 'nvidia-smi', timeoutMs = 5_000): Promise<GpuSample[]> {
  const csv = await run(binary, [`--query-gpu=${NVIDIA_QUERY_FIELDS.join(',')}`, '--format=csv,noheader,nounits'], timeoutMs);
  if (csv !== null) {
    const gpus = parseNvidiaCsv(csv);
    if (gpus.length) return gpus;
  }
  const xml = await run(binary, ['-q', '-x'], timeoutMs);
  return xml ? parseNvidiaXml(xml) : [];
}

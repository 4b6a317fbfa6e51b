import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseNvidiaCsv, parseNvidiaXml, probeGpus } from './nvidia-smi';

// Copies of shared/fixtures/nvidia-smi (real outputs of one H100), kept in the repo for CI.
const FIXTURES = resolve(__dirname, '__fixtures__/nvidia-smi');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

const H100 = { index: 0, uuid: 'GPU-db056f22-0dcb-806a-731e-d850c766120f', name: 'NVIDIA H100 80GB HBM3', memory_total_mib: 81559 };

describe('nvidia-smi parsing (real H100 outputs)', () => {
  it('reads the idle CSV query', () => {
    expect(parseNvidiaCsv(fixture('nvidia-smi-idle.csv'))).toEqual([
      { ...H100, mem_used_mib: 0, util_pct: 0, temperature_c: 35, power_w: 121.02 },
    ]);
  });

  it('reads the busy CSV query (five samples of one GPU)', () => {
    const samples = parseNvidiaCsv(fixture('nvidia-smi-busy.csv'));
    expect(samples).toHaveLength(5);
    expect(samples[0]).toEqual({ ...H100, mem_used_mib: 1011, util_pct: 100, temperature_c: 58, power_w: 699.52 });
    expect(samples.map((s) => s.temperature_c)).toEqual([58, 59, 60, 61, 61]);
  });

  it('reads the CSV with a header and units', () => {
    expect(parseNvidiaCsv(fixture('nvidia-smi-header.csv'))).toEqual([
      { index: 0, name: 'NVIDIA H100 80GB HBM3', memory_total_mib: 81559, mem_used_mib: 0, util_pct: 0 },
    ]);
  });

  it('reads the XML report, idle and busy', () => {
    const idle = parseNvidiaXml(fixture('nvidia-smi-q-idle.xml'));
    expect(idle).toHaveLength(1);
    expect(idle[0]).toMatchObject({ ...H100, util_pct: 0 });
    const busy = parseNvidiaXml(fixture('nvidia-smi-q-busy.xml'));
    expect(busy).toEqual([{ ...H100, mem_used_mib: 1011, util_pct: 100, temperature_c: 61, power_w: 686.88 }]);
  });

  it('finds no GPU and no error when nvidia-smi is missing', async () => {
    await expect(probeGpus('/nonexistent/nvidia-smi')).resolves.toEqual([]);
  });

  it('runs a stand-in nvidia-smi that prints the fixtures', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fake-nvidia-'));
    const bin = join(dir, 'nvidia-smi');
    writeFileSync(bin, `#!/bin/sh\ncase "$1" in -q) cat ${join(FIXTURES, 'nvidia-smi-q-busy.xml')} ;; *) cat ${join(FIXTURES, 'nvidia-smi-idle.csv')} ;; esac\n`);
    chmodSync(bin, 0o755);
    await expect(probeGpus(bin)).resolves.toEqual([{ ...H100, mem_used_mib: 0, util_pct: 0, temperature_c: 35, power_w: 121.02 }]);
    const xmlOnly = join(dir, 'nvidia-smi-xml');
    writeFileSync(xmlOnly, `#!/bin/sh\ncase "$1" in -q) cat ${join(FIXTURES, 'nvidia-smi-q-busy.xml')} ;; *) exit 9 ;; esac\n`);
    chmodSync(xmlOnly, 0o755);
    await expect(probeGpus(xmlOnly)).resolves.toMatchObject([{ index: 0, util_pct: 100 }]);
  });
});

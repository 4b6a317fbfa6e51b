import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeConfig } from './node-config';

/** A resolved node config for unit specs (no file, no env), with a new empty state_dir; `fields` override. */
export function testNodeConfig(fields: Partial<NodeConfig> = {}): NodeConfig {
  return new NodeConfig({
    serverUrl: 'http://127.0.0.1:9',
    token: 'node-token-000001',
    nodeId: 'n-1',
    hostname: 'h',
    parallelism: 2,
    heartbeatIntervalS: 30,
    stopTimeoutS: 1,
    containerMemoryMb: 128,
    networkMode: null,
    dockerSocket: '/var/run/docker.sock',
    stateDir: mkdtempSync(join(tmpdir(), 'gridnode-spec-')),
    labels: {},
    pidsLimit: 512,
    allowedImages: [],
    requireDigest: false,
    allowGpus: true,
    file: null,
    warnings: [],
    ...fields,
  });
}

import { NodeConfig } from '../config/node-config';
import { NodeIdentity } from '../config/node-identity';
import { GpuInventory } from '../host/gpu-inventory';
import { HostPlatform } from '../host/host-platform';
import { NodeFacts } from './container-plan';

/** The node's facts as the workers read them, afresh on each call (the id and GPUs arrive at registration). */
export function nodeFactsReader(config: NodeConfig, identity: NodeIdentity, gpus: GpuInventory, host: HostPlatform): () => NodeFacts {
  return () => ({
    nodeId: identity.id!,
    cpuCount: host.cpuCount,
    gpuCount: gpus.gpus.length,
    parallelism: config.parallelism,
    containerMemoryMb: config.containerMemoryMb,
    networkMode: config.networkMode,
    pidsLimit: config.pidsLimit,
    admission: { allowedImages: config.allowedImages, requireDigest: config.requireDigest, allowGpus: config.allowGpus },
    credential: identity.nodeToken,
  });
}

import { NodeConfig } from '../config/node-config';
import { NodeIdentity } from '../config/node-identity';
import { GpuInventory } from '../host/gpu-inventory';
import { HostPlatform } from '../host/host-platform';
import { NodeFacts } from './container-plan';

/** The node's facts as the workers read them, afresh on each call (the id and GPUs arrive at registration). */
export function nodeFactsReader(
  config: NodeConfig,
  identity: NodeIdentity,
  gpus: GpuInventory,
  host: HostPlatform,
  /** The hub's parallelism and the owner's cap (issue 20); absent: the config's parallelism, no cap. */
  live: { parallelism?: () => number | null; containerCap?: () => number | null } = {},
): () => NodeFacts {
  return () => ({
    nodeId: identity.id!,
    cpuCount: host.cpuCount,
    gpuCount: gpus.gpus.length,
    parallelism: live.parallelism?.() ?? config.parallelism,
    cpuLimitPercent: config.owner?.cpuLimitPercent ?? null,
    containerCap: live.containerCap?.() ?? null,
    containerMemoryMb: config.containerMemoryMb,
    networkMode: config.networkMode,
    pidsLimit: config.pidsLimit,
    admission: { allowedImages: config.allowedImages, requireDigest: config.requireDigest, allowGpus: config.allowGpus },
    credential: identity.nodeToken,
    placement: { platform: host.name, labels: config.labels, memoryMb: host.memoryTotalMb, cpus: host.cpuCount },
  });
}

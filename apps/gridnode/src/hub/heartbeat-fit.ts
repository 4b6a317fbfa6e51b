import { NODE_RECORD_LIMITS, NODE_REPORT_MAX_BYTES } from '@gridcore/contracts/defaults';
import type { HeartbeatDto, InstanceStatusDto } from '@gridcore/contracts/nodes/heartbeat.dto';

/**
 * The hub refuses a heartbeat over its caps (SPEC §2.6) and would then see this node as silent:
 * shorten what the node reports instead. Errors are cut to the hub's string length, the list to
 * its cap, and if the body is still too large the last instances are left out (the count of
 * running containers stays in `active_containers`).
 */
export function fitHeartbeat(body: HeartbeatDto, maxBytes = NODE_REPORT_MAX_BYTES): HeartbeatDto {
  const instances = (body.instances ?? []).slice(0, NODE_RECORD_LIMITS.instances).map(shortenError);
  const fitted: HeartbeatDto = { ...body, instances };
  while (instances.length > 0 && Buffer.byteLength(JSON.stringify(fitted)) > maxBytes) {
    // Halving keeps this to a few serialisations however long the list.
    instances.length = Math.floor(instances.length / 2);
  }
  return fitted;
}

function shortenError(instance: InstanceStatusDto): InstanceStatusDto {
  const error = instance.last_error;
  if (!error || error.length <= NODE_RECORD_LIMITS.string_length) return instance;
  return { ...instance, last_error: `${error.slice(0, NODE_RECORD_LIMITS.string_length - 1)}…` };
}

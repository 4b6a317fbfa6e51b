import { NODE_RECORD_LIMITS, NODE_REPORT_MAX_BYTES } from '@gridcore/contracts/defaults';
import type { HeartbeatDto } from '@gridcore/contracts/nodes/heartbeat.dto';
import { fitHeartbeat } from './heartbeat-fit';

const beat = (instances: number, error = 'exited with code 1'): HeartbeatDto => ({
  node_id: 'n1',
  status: 'Running',
  active_containers: instances,
  instances: Array.from({ length: instances }, (_, i) => ({ instance: i, state: 'backoff', restarts: 1, last_error: error })),
});

describe('fitHeartbeat', () => {
  it('leaves a small heartbeat as it is', () => {
    expect(fitHeartbeat(beat(4))).toEqual(beat(4));
  });

  it('cuts long errors to the hub\'s string length', () => {
    const fitted = fitHeartbeat(beat(2, 'x'.repeat(5000)));
    expect(fitted.instances!.every((i) => i.last_error!.length === NODE_RECORD_LIMITS.string_length)).toBe(true);
  });

  it('keeps the list within the hub\'s caps, in count and in bytes', () => {
    const fitted = fitHeartbeat(beat(4096, 'y'.repeat(1000)));
    expect(fitted.instances!.length).toBeGreaterThan(0);
    expect(fitted.instances!.length).toBeLessThanOrEqual(NODE_RECORD_LIMITS.instances);
    expect(Buffer.byteLength(JSON.stringify(fitted))).toBeLessThanOrEqual(NODE_REPORT_MAX_BYTES);
    expect(fitted.active_containers).toBe(4096);
  });
});

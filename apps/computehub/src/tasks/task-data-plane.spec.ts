import { TaskCreateDto } from '@gridcore/contracts';
import { assertDataPlaneServable } from './task-admission';
import { dataPlaneOf, recordFromDto } from './task-views';

const body = (over: Partial<TaskCreateDto> = {}): TaskCreateDto =>
  ({ name: 't', image: 'img:1', input_redis: 'redis://:pw@127.0.0.1:6379', input_queue: 'q:in', output_queue: 'q:out', ...over }) as TaskCreateDto;
const record = (over: Partial<TaskCreateDto> = {}, gateway = true) => recordFromDto(body(over), 'id', '2026-01-01T00:00:00Z', gateway);

describe('a task\'s data plane', () => {
  it('is gateway by default with a gateway and queues it can serve; direct otherwise', () => {
    expect(record().data_plane).toBe('gateway');
    expect(record({}, false).data_plane).toBe('direct');
    expect(record({ output_queue: undefined }).data_plane).toBe('direct');
    expect(record({ input_redis: undefined }).data_plane).toBe('direct');
    expect(record({ node_credentials: 'shared' }).data_plane).toBe('direct');
    expect(record({ data_plane: 'direct' }).data_plane).toBe('direct');
    expect(dataPlaneOf({})).toBe('direct');
  });

  it('refuses gateway without a gateway, without queues, or with shared credentials, naming why', () => {
    expect(() => assertDataPlaneServable(record({ data_plane: 'gateway' }, false), false)).toThrow(/needs a data gateway: set gateway_bind/);
    expect(() => assertDataPlaneServable(record({ data_plane: 'gateway', output_queue: undefined }), true)).toThrow(/needs input_redis, input_queue and output_queue/);
    expect(() => assertDataPlaneServable(record({ data_plane: 'gateway', node_credentials: 'shared' }), true)).toThrow(/use one or the other/);
    expect(() => assertDataPlaneServable(record(), true)).not.toThrow();
    expect(() => assertDataPlaneServable(record({ data_plane: 'direct' }), false)).not.toThrow();
  });
});

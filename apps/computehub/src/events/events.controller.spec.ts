import { firstValueFrom, filter, take, toArray } from 'rxjs';
import { ProgressDemand } from '../progress/progress-demand';
import { EventBus } from './event-bus';
import { nodeEventData, progressEventData } from './hub-event.fixture';
import { EventsController } from './events.controller';

describe('EventsController', () => {
  it('masks a Redis URL in any field of any event, once for every client', async () => {
    const bus = new EventBus();
    const controller = new EventsController(bus, new ProgressDemand());
    const [first, second] = [controller.stream(), controller.stream()].map((stream) =>
      firstValueFrom(stream.pipe(filter((e) => e.type !== 'ping'), take(2), toArray())),
    );
    bus.publish('progress', progressEventData('t', 'run-1', { error: 'Redis redis://:hunter2@10.0.0.1:6379 said WRONGPASS' }));
    bus.publish('node.updated', nodeEventData({ labels: { broker: 'rediss://u:hunter2@h:6380/0' } }));
    for (const events of [await first, await second]) {
      const text = JSON.stringify(events);
      expect(text).not.toContain('hunter2');
      expect(events.map((e) => e.data)).toEqual([
        expect.objectContaining({ data: expect.objectContaining({ task: 't', error: 'Redis redis://:****@10.0.0.1:6379 said WRONGPASS' }) }),
        expect.objectContaining({ data: expect.objectContaining({ labels: { broker: 'rediss://u:****@h:6380/0' } }) }),
      ]);
    }
    bus.onModuleDestroy();
  });
});

import type { TaskEnvelopeDto } from '@gridcore/contracts/tasks/task-config.dto';
import { StopSignal } from '../lifecycle/stop-signal';
import { TaskStream } from '../task/task-stream';
import { HubClient, PollRequest } from './hub-client';
import { HubUnreachableError } from './hub-errors';
import { TaskWatcher } from './task-watcher';

/** A scripted hub: each poll takes the next answer (an envelope or an error); nothing goes over the network. */
class ScriptedHub extends HubClient {
  readonly requests: PollRequest[] = [];

  constructor(private readonly answers: (TaskEnvelopeDto | Error)[]) {
    super('http://hub', null);
  }

  override async pollTask(req: PollRequest, signal?: AbortSignal): Promise<TaskEnvelopeDto> {
    this.requests.push(req);
    const next = this.answers.shift();
    if (next instanceof Error) throw next;
    if (next) return next;
    // Nothing scripted: hang like a long-poll until closed.
    await new Promise((resolve) => signal?.addEventListener('abort', resolve, { once: true }));
    throw Object.assign(new Error('aborted'), { name: 'AbortError' });
  }
}

function scriptedHub(answers: (TaskEnvelopeDto | Error)[]) {
  const hub = new ScriptedHub(answers);
  return { hub, requests: hub.requests };
}

const taskOf = (name: string, revision: number) => ({ task_name: name, revision }) as TaskEnvelopeDto['task'];

describe('TaskWatcher', () => {
  it('pushes each new revision into task$, sends the revision it has, and keeps the task while the hub is away', async () => {
    const { hub, requests } = scriptedHub([
      { revision: 3, stop_requested: false, task: taskOf('a', 3) },
      { revision: 3, stop_requested: false, task: taskOf('a', 3) },
      new HubUnreachableError('http://hub', 'ECONNREFUSED'),
      { revision: 4, stop_requested: false, task: null },
    ]);
    const stream = new TaskStream();
    const seen: (string | null)[] = [];
    stream.task$.subscribe((t) => seen.push(t ? t.task_name : null));
    const watcher = new TaskWatcher(hub, stream, new StopSignal(), 'linux/amd64', () => 'n1', 30);
    watcher.start();
    for (let i = 0; i < 200 && requests.length < 5; i++) await new Promise((r) => setTimeout(r, 10));
    await watcher.close();
    expect(seen).toEqual([null, 'a', null]);
    expect(requests.map((r) => r.revision)).toEqual([null, 3, 3, 3, 4]);
    expect(requests[0]).toMatchObject({ platform: 'linux/amd64', waitS: 30, nodeId: 'n1' });
  });

  it('fires the stop signal when the hub asks the node to stop', async () => {
    const { hub } = scriptedHub([{ revision: 1, stop_requested: true, task: null }]);
    const stream = new TaskStream();
    const stop = new StopSignal();
    const stops: string[] = [];
    stop.requested$.subscribe((s) => stops.push(s));
    const watcher = new TaskWatcher(hub, stream, stop, 'linux/amd64', () => 'n1');
    watcher.start();
    for (let i = 0; i < 100 && stops.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    await watcher.close();
    expect(stops).toEqual(['hub']);
  });
});

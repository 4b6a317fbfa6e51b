import { hubDerivedReason, nodeVerdict, RunnableTask } from './node-verdict';
import { MAX_LISTED_REFUSALS, RunnabilityTally } from './runnability-tally';

const task: RunnableTask = { id: 'run-1', name: 'sqrt', image: null, images: { 'linux/arm64': 'me/sqrt:arm' }, gpus: 0 };
const pull = { task: 'sqrt', reason: 'image_pull_failed', detail: 'pull access denied' };

describe('node verdicts', () => {
  it('takes the node\'s own report for this task first, else what the hub sees', () => {
    expect(nodeVerdict(task, { platform: 'linux/arm64', gpuCount: 0, reported: pull })).toBe(pull);
    expect(nodeVerdict(task, { platform: 'linux/arm64', gpuCount: 0, reported: { ...pull, task: 'older' } })).toBeNull();
    expect(nodeVerdict(task, { platform: 'linux/amd64', gpuCount: 0, reported: null })).toEqual({
      task: 'sqrt',
      reason: 'no_image_for_platform',
      detail: 'task sqrt has no image for linux/amd64 (its images are for linux/arm64)',
    });
  });

  it('sees too few GPUs, and a fallback image covers every platform', () => {
    const gpuTask = { ...task, image: 'me/sqrt:1', gpus: 2 };
    expect(hubDerivedReason(gpuTask, { platform: 'linux/amd64', gpuCount: 1 })?.reason).toBe('needs_gpus');
    expect(hubDerivedReason(gpuTask, { platform: 'linux/amd64', gpuCount: 2 })).toBeNull();
  });
});

describe('RunnabilityTally', () => {
  it('is runnable while one online node does not refuse, and says who refuses', () => {
    const tally = new RunnabilityTally('sqrt');
    expect(tally.view()).toMatchObject({ runnable: false, nodes_running: 0, summary: 'no node is online to run task sqrt' });
    expect(tally.set('a', 'host-a', true, null)).toBe(true);
    expect(tally.set('a', 'host-a', true, null)).toBe(false);
    expect(tally.set('b', 'host-b', true, pull)).toBe(true);
    expect(tally.view()).toMatchObject({ runnable: true, nodes_running: 1, refusing_count: 1 });
    tally.set('a', 'host-a', true, pull);
    expect(tally.view()).toEqual({
      runnable: false,
      nodes_running: 0,
      refusing_count: 2,
      nodes_refusing: [
        { node: 'a', hostname: 'host-a', reason: 'image_pull_failed', detail: 'pull access denied' },
        { node: 'b', hostname: 'host-b', reason: 'image_pull_failed', detail: 'pull access denied' },
      ],
      summary: 'no online node can run task sqrt: host-a: pull access denied; host-b: pull access denied',
    });
    expect(tally.set('b', 'host-b', false, null)).toBe(true);
    expect(tally.set('b', 'host-b', false, null)).toBe(false);
    expect(tally.view().refusing_count).toBe(1);
  });

  it('lists a bounded number of refusals and counts the rest', () => {
    const tally = new RunnabilityTally('sqrt');
    for (let i = 0; i < 500; i++) tally.set(`n${i}`, `h${i}`, true, pull);
    const view = tally.view();
    expect(view.nodes_refusing).toHaveLength(MAX_LISTED_REFUSALS);
    expect(view.refusing_count).toBe(500);
    expect(view.summary).toMatch(/; and 497 more$/);
  });
});

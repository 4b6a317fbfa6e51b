import { loadScripts, QueueKeys } from '@gridcore/queue';
import { checkScriptCall } from './script-policy';
import { TaskBackend } from './task-backend';

describe('checkScriptCall', () => {
  const route = { name: 't', input_redis: 'redis://127.0.0.1:1', output_redis: 'redis://127.0.0.1:1', redis_tls_ca: null, input_queue: 'in', output_queue: 'out', batch_timeout_s: 600, max_attempts: 3 };
  const backend = new TaskBackend(route);
  const k = new QueueKeys('in');
  const sha = (n: string) => loadScripts().get(n)!.sha;
  const keys = ['in', k.seq, k.leases, k.taken, k.retry, k.attempts, k.dead, k.stats, k.config, 'out'];
  const own = `${k.slotPrefix('n1', '0', 'r')}0:`;
  const take = (lane: string, node = 'someone-else', attempts = '99') => [`${own}1`, '1', node, lane, '10', '0', '5000', '60', '9999', attempts, '1', 'result'];
  afterAll(() => void backend.close());

  it('rewrites the node id, max_attempts and batch_timeout_s to the authenticated and the task values', () => {
    const r = checkScriptCall(backend, sha('take'), keys, take(own), 'n1', '0');
    expect(r).toEqual({ name: 'take', keys, args: [`${own}1`, '1', 'n1', own, '10', '0', '5000', '60', '600', '3', '1', 'result'] });
  });

  // take-group: push, node, lane, K, G, from_retry, block, lease, timeout, attempts, A, A keys, A counts, results.
  const group = (acked: string[]) => ['1', 'someone-else', own, '1', '16', '0', '5000', '60', '9999', '99', String(acked.length), ...acked, ...acked.map(() => '1'), ...acked.map(() => 'r')];

  it('lets take-group through with its node rewritten and its acked keys checked', () => {
    const r = checkScriptCall(backend, sha('take-group'), keys, group([`${own}1`, `${own}2`]), 'n1', '0');
    expect(r).toEqual({ name: 'take-group', keys, args: ['1', 'n1', own, '1', '16', '0', '5000', '60', '600', '3', '2', `${own}1`, `${own}2`, '1', '1', 'r', 'r'] });
  });

  it.each([
    ["take-group acking another node's batch", sha('take-group'), keys, group([`${own}1`, `${k.slotPrefix('n2', '0', 'r')}0:5`]), /is not a batch key of n1.0/],
    ['an unknown script', 'f'.repeat(40), keys, take(own), /not one of the queue protocol scripts/],
    ["a hub's script", sha('write-config'), [k.config], ['3', '60', '600', ''], /the write-config script is the hub's/],
    ['another key', sha('take'), keys.map((x) => (x === k.dead ? 'elsewhere' : x)), take(own), /key elsewhere is not this task's dead key/],
    ["another node's lane", sha('take'), keys, take(`${k.slotPrefix('n2', '0', 'r')}0:`), /is not a batch key of n1.0/],
    ["another instance's lane", sha('take'), keys, take(`${k.slotPrefix('n1', '1', 'r')}0:`), /is not a batch key of n1.0/],
    ['a push into the input', sha('ack'), keys.map((x) => (x === 'out' ? 'in' : x)), [`${own}1`, '1', 'n1', '1', 'r'], /only be pushed to the task output/],
    ['a node-wide slot prefix', sha('requeue-by-slot'), keys.slice(0, 1).concat([k.leases, k.taken, k.retry, k.attempts, k.dead, k.stats, k.config, k.causes]), [k.nodePrefix('n1'), 'requeue', '3', ''], /is not a batch key/],
  ])('refuses %s', (_what, s, ks, args, why) => {
    const r = checkScriptCall(backend, s, ks, args, 'n1', '0');
    expect('refused' in r && r.refused).toMatch(why);
  });
});

/**
 * One BullMQ worker process for bench/throughput: the same work (n → n:sqrt(n)), concurrency
 * 100, removeOnComplete, as BullMQ's users run it for throughput. It counts its own completed
 * events, checks each result numerically, and reports exact counts to the parent every 50 ms
 * (a count sent only per 1000 completions could stop short of N and hang the parent), then
 * a bitmap of the items it completed, so the parent can prove every item ran exactly once.
 */
import { Worker } from 'bullmq';

const [queueName, port, total] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const seen = new Uint8Array(total + 1);
let completed = 0;
let reported = 0;
let bad = 0;
const worker = new Worker(queueName, async (job) => `${job.data}:${Math.sqrt(Number(job.data))}`, {
  // BullMQ's workers block on Redis: their connection must not give up on a command.
  connection: { host: '127.0.0.1', port, maxRetriesPerRequest: null },
  concurrency: 100,
  removeOnComplete: { count: 0 },
  autorun: false,
});
worker.on('completed', (job, result: string) => {
  const n = Number(job.data);
  const [a, b] = String(result).split(':').map(Number);
  if (!(n >= 1 && n <= total) || a !== n || Math.abs(b - Math.sqrt(n)) > 1e-9 || seen[n]) bad++;
  else seen[n] = 1;
  completed++;
});
worker.on('error', (err) => process.stderr.write(`bullmq worker: ${err.message}\n`));
const flush = () => {
  if (completed === reported) return;
  process.send?.({ completed: completed - reported });
  reported = completed;
};
setInterval(flush, 50);
process.on('message', (m: { cmd?: string }) => {
  if (m.cmd === 'report') {
    flush();
    process.send?.({ bad, seen: Buffer.from(seen.buffer).toString('base64') });
  }
});
process.on('SIGTERM', () => {
  void worker.close(true).finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 3000).unref();
});
void worker.waitUntilReady().then(() => {
  void worker.run();
  process.send?.({ ready: true });
});

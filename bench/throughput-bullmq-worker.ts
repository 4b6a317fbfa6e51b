/** One BullMQ worker process for bench/throughput: the same work, concurrency 100. */
import { Worker } from 'bullmq';

const [queueName, port] = [process.argv[2], Number(process.argv[3])];
let completed = 0;
const worker = new Worker(queueName, async (job) => `${job.data}:${Math.sqrt(Number(job.data))}`, {
  connection: { host: '127.0.0.1', port },
  concurrency: 100,
  removeOnComplete: { count: 0 },
});
worker.on('completed', () => {
  completed++;
  if (completed % 1000 === 0) process.send?.({ completed: 1000 });
});
void worker.waitUntilReady().then(() => process.send?.({ ready: true }));
process.on('SIGTERM', () => {
  process.send?.({ completed: completed % 1000 });
  void worker.close(true).then(() => process.exit(0));
});
setInterval(() => undefined, 1 << 30);

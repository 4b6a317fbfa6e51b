/** The body of POST /api/tasks for a worker task reading `<queue>:in` and writing `<queue>:out` on `redisUrl`. */
export function workerTaskBody(redisUrl: string, name: string, queue = name, extra: object = {}): Record<string, unknown> {
  return {
    name,
    image: 'img:worker',
    input_redis: redisUrl,
    input_queue: `${queue}:in`,
    output_queue: `${queue}:out`,
    ...extra,
  };
}

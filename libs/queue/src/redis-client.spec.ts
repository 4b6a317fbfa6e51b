import { createServer } from 'node:net';
import { connectRedis } from './redis-client';

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('connectRedis', () => {
  it('rejects with one line naming host:port and leaves no client reconnecting behind', async () => {
    const port = await closedPort();
    // Count connection attempts: a leaked probe would keep dialling the port after the rejection.
    let attempts = 0;
    const server = createServer((socket) => socket.destroy());
    const err = await connectRedis(`redis://127.0.0.1:${port}`, { log: () => undefined }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(new RegExp(`^cannot connect to redis 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
    expect((err as Error).message).not.toContain('\n');
    // Now listen on that port: nothing may come knocking.
    server.on('connection', () => attempts++);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    await new Promise((r) => setTimeout(r, 2500));
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(attempts).toBe(0);
  });
});

/**
 * The data gateway as bench/throughput runs it: its own process (run with ts-node and
 * tsconfig-paths), a directory held in memory routing node `bench` to the bench's queues, and
 * one line on stdout once it listens: `gateway listening <port>`. Env: GATEWAY_REDIS_URL,
 * GATEWAY_CREDENTIAL, GATEWAY_INPUT, GATEWAY_OUTPUT. Run it under `node --cpu-prof` to see where
 * the gateway's time goes (npm run bench:throughput with BENCH_GATEWAY_PROFILE=<dir>).
 */
import { GatewayServer } from '@gridcore/gateway';
import { gatewayRoute, StaticGatewayDirectory } from '../test/support/static-gateway-directory';

async function main(): Promise<void> {
  const env = (name: string) => {
    const v = process.env[name];
    if (!v) throw new Error(`${name} is not set`);
    return v;
  };
  const directory = new StaticGatewayDirectory();
  directory.addNode('bench', env('GATEWAY_CREDENTIAL'), gatewayRoute(env('GATEWAY_REDIS_URL'), env('GATEWAY_INPUT'), env('GATEWAY_OUTPUT'), { name: 'bench' }));
  const gateway = new GatewayServer({ directory, host: '127.0.0.1', port: 0 });
  const { port } = await gateway.listen();
  process.stdout.write(`gateway listening ${port}\n`);
  const stop = () => void gateway.close().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});

import 'reflect-metadata';
import { homedir } from 'node:os';
import { NestFactory } from '@nestjs/core';
import { ConfigError } from '@gridcore/config';
import { AgentModule } from './agent.module';
import { AgentService } from './agent.service';
import { loadNodeConfig, NodeConfig } from './config/node-config';
import { NodeRevokedError, TokenRefusedError } from './hub/hub-errors';
import { StopSignal } from './lifecycle/stop-signal';
import { runSubcommand, subcommandOf } from './control/subcommand';

async function bootstrap(): Promise<void> {
  const source = { argv: process.argv.slice(2), env: process.env, homeDir: homedir() };
  try {
    // `gridnode status|pause|resume|drain`: talk to the running agent through state_dir, then exit.
    const command = subcommandOf(source.argv);
    if (command) process.exit(await runSubcommand(command, source, (l) => console.log(l), (l) => console.error(l)));
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  let config: NodeConfig;
  try {
    config = loadNodeConfig(source);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const app = await NestFactory.createApplicationContext(AgentModule.forRoot(config), { logger: ['log', 'warn', 'error'] });
  const agent = app.get(AgentService);
  const stop = app.get(StopSignal);
  // The first signal stops gracefully; a second one while stopping is ignored on purpose: a
  // supervisor that loses patience sends SIGKILL, and the next start-up reconciles.
  process.on('SIGTERM', () => stop.request('signal'));
  process.on('SIGINT', () => stop.request('signal'));
  try {
    await agent.run();
  } catch (err) {
    if (err instanceof NodeRevokedError) {
      // Its containers are stopped already; the marker in state_dir keeps it from starting again.
      console.error(`gridnode: ${err.message}`);
      process.exit(NodeRevokedError.exitCode);
    }
    if (!(err instanceof TokenRefusedError)) throw err;
    // Nothing runs any more (none before registration, stopped on a refused rejoin): say why once and stop.
    console.error(`gridnode: ${err.message}`);
    process.exit(TokenRefusedError.exitCode);
  }
  await app.close();
  process.exit(0);
}

bootstrap().catch((err: Error) => {
  console.error(`gridnode: ${err.message}`);
  process.exit(1);
});

import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { homedir } from 'node:os';
import { ConfigError } from '@gridcore/config';
import { AppModule } from './app.module';
import { loadHubConfig } from './config/hub-config';
import { configureHubApp } from './http/configure-app';

async function bootstrap(): Promise<void> {
  const logger = new Logger('ComputeHub');
  let loaded;
  try {
    loaded = loadHubConfig({ argv: process.argv.slice(2), env: process.env, homeDir: homedir() });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  for (const warning of loaded.warnings) logger.warn(warning);
  if (loaded.createdFile) logger.log(`first run: wrote ${loaded.createdFile} with a new random token (mode 0600)`);
  const { config } = loaded;
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    httpsOptions: config.tls ? { cert: config.tls.cert, key: config.tls.key } : undefined,
  });
  configureHubApp(app);
  // Our own handler rather than Nest's shutdown hooks, which re-raise the signal: a supervisor
  // should see a clean exit 0 after a graceful stop.
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      logger.log(`${signal}: stopping`);
      app.close().then(
        () => process.exit(0),
        (err: Error) => {
          logger.error(`error while stopping: ${err.message}`);
          process.exit(1);
        },
      );
    });
  }
  await app.listen(config.port, config.host);
  if (config.tls) logger.log(`serving HTTPS with ${config.values.tls_cert} (${config.tls.subject}, valid until ${config.tls.validTo})`);
  logger.log(`listening on ${config.tls ? 'https' : 'http'}://${config.values.bind} (config: ${config.file ?? 'env only'}, state: ${config.values.state_store})`);
}

bootstrap().catch((err: Error) => {
  console.error(`computehub: ${err.message}`);
  process.exit(1);
});

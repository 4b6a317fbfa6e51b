import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError } from '@gridcore/config';
import { GatewayTlsRequiredError } from '@gridcore/gateway';
import { GatewayAppConfig } from './config/gateway-app-config';
import { GatewayAppModule } from './gateway-app.module';

/** `node dist/apps/gateway/apps/gateway/src/main.js`: a standalone data gateway (issue 17), configured by env. */
async function bootstrap(): Promise<void> {
  let config: GatewayAppConfig;
  try {
    config = GatewayAppConfig.fromEnv(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const app = await NestFactory.createApplicationContext(GatewayAppModule.forRoot(config), { logger: ['log', 'warn', 'error'] });
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
}

bootstrap().catch((err: Error) => {
  console.error(`gateway: ${err.message}`);
  process.exit(err instanceof GatewayTlsRequiredError ? 2 : 1);
});

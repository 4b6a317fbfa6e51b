import { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppModule } from '../../apps/computehub/src/app.module';
import { HubConfig } from '../../apps/computehub/src/config/hub-config';
import { configureHubApp } from '../../apps/computehub/src/http/configure-app';

export const TOKENS = {
  legacy: 'legacy-token-0001',
  admin: 'admin-token-0001',
  viewer: 'viewer-token-0001',
  node: 'node-token-000001',
  /** A standalone data gateway's token (issue 17): the /gateway routes only. */
  gateway: 'gateway-token-000001',
} as const;

export type HubValues = Parameters<typeof HubConfig.fromValues>[0];

export interface TestHub {
  app: NestExpressApplication;
  url: string;
  stateDir: string;
  config: HubConfig;
  close(): Promise<void>;
}

/**
 * Boots the real hub in this process (same module and setup as main.ts), listening on a free
 * loopback port, with all four kinds of token and a fresh state folder unless one is given; a
 * `logger` (e.g. a RecordingLogger) receives the hub's log instead of the console.
 */
export async function startTestHub(values: HubValues = {}, options: { logger?: LoggerService } = {}): Promise<TestHub> {
  const stateDir = values.state_dir ?? mkdtempSync(join(tmpdir(), 'gridcore-hub-'));
  const config = HubConfig.fromValues({
    bind: '127.0.0.1:0',
    token: TOKENS.legacy,
    admin_tokens: [TOKENS.admin],
    viewer_tokens: [TOKENS.viewer],
    node_tokens: [TOKENS.node],
    gateway_tokens: [TOKENS.gateway],
    state_dir: stateDir,
    ...values,
  });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    logger: options.logger ?? ['error', 'warn'],
  });
  configureHubApp(app);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${address.port}`, stateDir, config, close: () => app.close() };
}

export function bearer(token: string): { Authorization: string } {
  return { Authorization: `Bearer ${token}` };
}

/**
 * Baseline: the smallest Nest app that does what the hub's heartbeat route does for the framework:
 * @nestjs/platform-express, one POST route, the hub's global ValidationPipe options and the same
 * HeartbeatDto from libs/contracts. No auth, no state, no events.
 * Usage: nest-minimal.ts <port>
 */
import 'reflect-metadata';
import { Body, Controller, HttpCode, Module, Post, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
// A relative import: the compiled baseline runs on plain node, which does not know the tsconfig paths.
import { HeartbeatDto } from '../../libs/contracts/src/nodes/heartbeat.dto';

@Controller('gridnode')
class HeartbeatController {
  @Post('heartbeat')
  @HttpCode(200)
  heartbeat(@Body() _heartbeat: HeartbeatDto): { stop_requested: boolean } {
    return { stop_requested: false };
  }
}

@Module({ controllers: [HeartbeatController] })
class MinimalModule {}

async function main(): Promise<void> {
  const port = Number(process.argv[2]);
  const app = await NestFactory.create<NestExpressApplication>(MinimalModule, { logger: ['error', 'warn'] });
  // The same options as apps/computehub/src/http/configure-app.ts.
  app.useGlobalPipes(
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true, transform: true }),
  );
  app.enableShutdownHooks();
  await app.listen(port, '127.0.0.1');
  console.log(`nest-minimal listening on 127.0.0.1:${port}`);
}

main().catch((err: Error) => {
  console.error(`nest-minimal: ${err.message}`);
  process.exit(1);
});

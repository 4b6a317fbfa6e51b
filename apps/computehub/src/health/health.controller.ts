import { Controller, Get, Header } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';

@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthCheckService) {}

  @Get()
  @Header('content-type', 'text/plain; charset=utf-8')
  ok(): string {
    return 'OK';
  }

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }
}

import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { Open } from '../access/access.decorator';
import { StateStoreHealthIndicator } from './state-store.health';
import { StateWritesHealthIndicator } from './state-writes.health';

@ApiTags('health')
@Controller('health')
@Open()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly stateStore: StateStoreHealthIndicator,
    private readonly stateWrites: StateWritesHealthIndicator,
  ) {}

  @Get()
  @Header('content-type', 'text/plain; charset=utf-8')
  @ApiOperation({ summary: 'The original\'s health check: the text OK' })
  @ApiOkResponse({ schema: { type: 'string', example: 'OK' } })
  ok(): string {
    return 'OK';
  }

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process answers' })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: the state store answers and its latest writes succeeded' })
  @ApiServiceUnavailableResponse({ description: 'The state store is unavailable, or its latest write failed (the reason is given)' })
  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.stateStore.check(), () => this.stateWrites.check()]);
  }
}

import { Body, Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Response } from 'express';
import {
  DeregisterDto,
  HeartbeatDto,
  HeartbeatResultDto,
  RegisterNodeDto,
  RegisterNodeResultDto,
  Role,
  TaskConfigDto,
  TaskEnvelopeDto,
} from '@gridcore/contracts';
import { RequireRole } from '../auth/access.decorator';
import type { RequestWithRoles } from '../auth/caller-roles.decorator';
import { NodesService } from '../nodes/nodes.service';
import { CallerKinds, NodeCaller } from '../redis-users/caller-kinds';
import { NodeTaskConfigs } from '../redis-users/node-task-configs';
import { TaskQueryDto } from './task-query.dto';
import { TaskWatch } from './task-watch.service';

/**
 * The node protocol. Served under `/gridnode` (the original's code and architecture document)
 * and `/agent` (the original's README): the same handlers on both.
 */
@ApiTags('gridnode')
@ApiBearerAuth()
@ApiExtraModels(TaskConfigDto, TaskEnvelopeDto)
@Controller(['gridnode', 'agent'])
@RequireRole(Role.Node)
export class GridnodeController {
  constructor(
    private readonly nodes: NodesService,
    private readonly watch: TaskWatch,
    private readonly configs: NodeTaskConfigs,
    private readonly kinds: CallerKinds,
  ) {}

  private caller(request: RequestWithRoles, nodeId: string | undefined): NodeCaller {
    return { kind: this.kinds.kindOf(request), nodeId };
  }

  @Post('register')
  @HttpCode(200)
  @ApiOperation({ summary: 'Register a node (new, or with its saved id); clears a pending stop request' })
  @ApiOkResponse({ type: RegisterNodeResultDto })
  async register(@Body() body: RegisterNodeDto, @Req() request: RequestWithRoles): Promise<RegisterNodeResultDto> {
    const node = await this.nodes.register(body);
    const current = await this.configs.forNode(this.watch.currentConfig(node.platform), this.caller(request, node.id));
    return { node_id: node.id, current_task: current };
  }

  @Post('heartbeat')
  @HttpCode(200)
  @ApiOperation({ summary: 'Report status and usage; answers whether the node must stop' })
  @ApiOkResponse({ type: HeartbeatResultDto })
  @ApiNotFoundResponse({ description: 'Unknown node id: the node registers again' })
  heartbeat(@Body() body: HeartbeatDto): HeartbeatResultDto {
    return this.nodes.heartbeat(body);
  }

  @Post('deregister')
  @HttpCode(200)
  @ApiOperation({ summary: 'The node leaves (after a stop)' })
  @ApiOkResponse({ schema: { type: 'object', properties: { node_id: { type: 'string' } } } })
  @ApiNotFoundResponse()
  async deregister(@Body() body: DeregisterDto): Promise<{ node_id: string }> {
    await this.nodes.deregister(body.node_id);
    return { node_id: body.node_id };
  }

  @Get('task')
  @ApiOperation({
    summary: 'The task to run',
    description:
      'Without wait: the original answer, a TaskConfig or the JSON value null. With wait=S (and revision, node_id): ' +
      'an envelope {revision, stop_requested, task}, sent as soon as the revision differs or a stop is requested, else after S seconds.',
  })
  @ApiOkResponse({
    schema: { oneOf: [{ $ref: getSchemaPath(TaskConfigDto) }, { $ref: getSchemaPath(TaskEnvelopeDto) }], nullable: true },
  })
  async task(@Query() query: TaskQueryDto, @Req() request: RequestWithRoles, @Res() res: Response): Promise<void> {
    const caller = this.caller(request, query.node_id);
    if (query.wait === undefined) {
      res.status(200).json(await this.configs.forNode(this.watch.currentConfig(query.platform), caller));
      return;
    }
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    const envelope = await this.watch.envelope(
      { platform: query.platform, wait: query.wait, revision: query.revision, nodeId: query.node_id },
      abort.signal,
    );
    const task = await this.configs.forNode(envelope.task, caller);
    if (!res.writableEnded && !res.destroyed) res.status(200).json({ ...envelope, task });
  }
}


import { Body, Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
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
import { RequireRole } from '../access/access.decorator';
import { Caller, CallerIdentity } from '../access/caller';
import { JoinTokenAllowed } from '../access/join-token-allowed.decorator';
import { CredentialRefusedError } from '../errors/credential-refused.error';
import { CredentialBook } from '../join-tokens/credential-book';
import { NodeEnrollment } from '../join-tokens/node-enrollment.service';
import { NodesService } from '../nodes/nodes.service';
import { nodeCaller } from '../redis-users/caller-kinds';
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
    private readonly enrollment: NodeEnrollment,
    private readonly credentials: CredentialBook,
    private readonly configs: NodeTaskConfigs,
  ) {}

  @Post('register')
  @HttpCode(200)
  @JoinTokenAllowed()
  @ApiOperation({
    summary: 'Register a node (new, or with its saved id); clears a pending stop request',
    description: 'With a join token the answer also carries node_token, the credential bound to this node id for every later call.',
  })
  @ApiOkResponse({ type: RegisterNodeResultDto })
  async register(@Body() body: RegisterNodeDto, @CallerIdentity() caller: Caller): Promise<RegisterNodeResultDto> {
    const { node, nodeToken } = await this.enrollment.register(caller, body);
    const current = await this.configs.forNode(this.watch.currentConfig(node.platform), nodeCaller(caller, node.id));
    const answer: RegisterNodeResultDto = { node_id: node.id, current_task: current };
    if (nodeToken) answer.node_token = nodeToken;
    return answer;
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
  async task(@Query() query: TaskQueryDto, @Res() res: Response, @CallerIdentity() caller: Caller): Promise<void> {
    const forNode = nodeCaller(caller, query.node_id ?? caller.nodeId ?? undefined);
    if (query.wait === undefined) {
      res.status(200).json(await this.configs.forNode(this.watch.currentConfig(query.platform), forNode));
      return;
    }
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    const envelope = await this.watch.envelope(
      { platform: query.platform, wait: query.wait, revision: query.revision, nodeId: query.node_id ?? caller.nodeId ?? undefined,
        credentialNodeId: caller.nodeId ?? undefined,
      },
      abort.signal,
    );
    // Revoked while it waited: the open poll answers as every later call will.
    if (caller.kind === 'node-credential' && this.credentials.isRevoked(caller.nodeId)) {
      throw new CredentialRefusedError(`node ${caller.nodeId} was revoked`, 'revoked');
    }
    const task = await this.configs.forNode(envelope.task, forNode);
    if (!res.writableEnded && !res.destroyed) res.status(200).json({ ...envelope, task });
  }
}


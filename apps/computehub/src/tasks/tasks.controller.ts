import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import {
  DeadRequeueRequestDto,
  DeadRequeueResultDto,
  FailuresDto,
  FinishRequestDto,
  FinishResultDto,
  NextResultDto,
  Role,
  TaskCreateDto,
  TaskListDto,
  TaskMoveDto,
  TaskOrderResultDto,
  TaskPriorityDto,
  TaskRecordDto,
} from '@gridcore/contracts';
import { RequireRole } from '../access/access.decorator';
import { OptionalObjectBody } from '../http/object-body.guard';
import { FreshFlagPipe } from './fresh-flag.pipe';
import { TaskNamePipe } from './task-name.pipe';
import { TaskCommands } from './task-commands.service';
import { TaskFailures } from './task-failures.service';
import { TaskOrdering } from './task-ordering.service';
import { TaskQueries } from './task-queries.service';

/**
 * Swagger UI fills a request body from its first example: `{}` first, so pressing Execute does
 * what the original's finish did rather than send a made-up name.
 */
const OPTIONAL_FINISH_BODY = {
  type: FinishRequestDto,
  required: false,
  examples: {
    'whatever runs': { summary: 'whatever task runs (the original\'s finish)', value: {} },
    'one task by name': { summary: 'only this task, if it is the running one', value: { name: 'sqrt' } },
  },
};

@ApiTags('tasks')
@ApiBearerAuth()
@Controller('api/tasks')
export class TasksController {
  constructor(
    private readonly commands: TaskCommands,
    private readonly queries: TaskQueries,
    private readonly failures: TaskFailures,
    private readonly ordering: TaskOrdering,
  ) {}

  @Post()
  @RequireRole(Role.Admin)
  @ApiOperation({ summary: 'Register a task; it starts at once when nothing runs' })
  @ApiCreatedResponse({ type: TaskRecordDto })
  @ApiBadRequestResponse({ description: 'A field is invalid; the message names it' })
  @ApiConflictResponse({ description: 'A pending or running task has this name' })
  register(@Body() body: TaskCreateDto): Promise<TaskRecordDto> {
    return this.commands.register(body);
  }

  @Get()
  @RequireRole(Role.Viewer)
  @ApiOperation({ summary: 'List tasks: the original\'s name lists plus full records' })
  @ApiOkResponse({ type: TaskListDto })
  list(): TaskListDto {
    return this.queries.list();
  }

  @Post('finish')
  @HttpCode(200)
  @OptionalObjectBody()
  @RequireRole(Role.Admin)
  @ApiOperation({
    summary: 'Complete the current task and start the next pending one',
    description: 'With a body {"name": ...} only that task, if it is the running one (two finishes sent at once then complete one task); without a body whatever runs, as the original',
  })
  @ApiBody(OPTIONAL_FINISH_BODY)
  @ApiOkResponse({ type: FinishResultDto })
  @ApiBadRequestResponse({ description: 'No current task running, or a bad body' })
  @ApiConflictResponse({ description: 'The task named is not the running one; the message names the running task (or says none runs)' })
  finish(@Body() body: FinishRequestDto): Promise<FinishResultDto> {
    return this.commands.finish({ name: body.name });
  }

  @Post('next')
  @HttpCode(200)
  @OptionalObjectBody()
  @RequireRole(Role.Admin)
  @ApiOperation({
    summary: 'The original\'s next: complete the current task, start the next pending one',
    description:
      'With no pending task the current one is still completed, and the answer is 400 No more tasks available. With a body {"name": ...} only that task is completed, if it is the running one',
  })
  @ApiBody(OPTIONAL_FINISH_BODY)
  @ApiOkResponse({ type: NextResultDto })
  @ApiBadRequestResponse({ description: 'No more tasks available, or a bad body' })
  @ApiConflictResponse({ description: 'The task named is not the running one; the message names the running task (or says none runs)' })
  next(@Body() body: FinishRequestDto): Promise<NextResultDto> {
    return this.commands.next({ name: body.name });
  }

  @Get(':name')
  @RequireRole(Role.Viewer)
  @ApiOperation({ summary: 'One task (its latest run): status, timestamps, progress' })
  @ApiQuery({
    name: 'fresh',
    required: false,
    enum: ['1', '0', 'true', 'false'],
    description:
      'With 1, the hub samples the running task now and answers with a sample taken after the request arrived ' +
      '(progress.sampled_at, Redis time); the task is then sampled every second for a few seconds',
  })
  @ApiOkResponse({ type: TaskRecordDto })
  @ApiBadRequestResponse({ description: 'fresh is not 1, 0, true or false' })
  @ApiNotFoundResponse()
  // `unknown`, not boolean: the global ValidationPipe would turn a boolean-typed '1' into false first.
  get(@Param('name', TaskNamePipe) name: string, @Query('fresh', FreshFlagPipe) fresh: unknown): Promise<TaskRecordDto> {
    return this.queries.get(name, fresh === true);
  }

  @Post(':name/finish')
  @HttpCode(200)
  @RequireRole(Role.Admin)
  @ApiOperation({
    summary: 'Complete this task if it is the running one, and start the next pending one',
    description: 'The same operation as POST /api/tasks/finish with {"name": ...}',
  })
  @ApiOkResponse({ type: FinishResultDto })
  @ApiConflictResponse({ description: 'The task is not the running one; the message names the running task (or says none runs)' })
  finishNamed(@Param('name', TaskNamePipe) name: string): Promise<FinishResultDto> {
    return this.commands.finish({ name });
  }

  @Patch(':name')
  @RequireRole(Role.Admin)
  @ApiOperation({
    summary: 'Set a task\'s priority: among pending tasks higher starts first, then registration order',
  })
  @ApiOkResponse({ type: TaskOrderResultDto })
  @ApiBadRequestResponse({ description: 'priority missing or not an integer in range' })
  @ApiConflictResponse({ description: 'The task is completed' })
  @ApiNotFoundResponse()
  setPriority(@Param('name', TaskNamePipe) name: string, @Body() body: TaskPriorityDto): Promise<TaskOrderResultDto> {
    return this.ordering.setPriority(name, body.priority);
  }

  @Post(':name/move')
  @HttpCode(200)
  @RequireRole(Role.Admin)
  @ApiOperation({
    summary: 'Place a pending task just before or after another pending one',
    description: 'The task takes the priority of the task it is placed next to, so the order stays as moved',
  })
  @ApiOkResponse({ type: TaskOrderResultDto })
  @ApiBadRequestResponse({ description: 'Neither or both of before/after, or the task named itself' })
  @ApiConflictResponse({ description: 'Either task is running or completed' })
  @ApiNotFoundResponse({ description: 'Either task is unknown' })
  move(@Param('name', TaskNamePipe) name: string, @Body() body: TaskMoveDto): Promise<TaskOrderResultDto> {
    return this.ordering.move(name, body);
  }

  @Post(':name/dead/requeue')
  @HttpCode(200)
  @OptionalObjectBody()
  @RequireRole(Role.Admin)
  @ApiOperation({
    summary: 'Move the task\'s dead items back to its input queue',
    description: 'Without a body every dead item; with {"group": id} only the items of that failure group (GET /api/tasks/:name/failures); an unknown id moves none',
  })
  @ApiBody({ type: DeadRequeueRequestDto, required: false })
  @ApiOkResponse({ type: DeadRequeueResultDto })
  @ApiBadRequestResponse({ description: 'The task has no queue the hub can see, or a bad body' })
  @ApiNotFoundResponse()
  requeueDead(@Param('name', TaskNamePipe) name: string, @Body() body: DeadRequeueRequestDto): Promise<DeadRequeueResultDto> {
    if (body?.group) return this.failures.requeueGroup(name, body.group);
    return this.commands.requeueDead(name);
  }

  @Get(':name/failures')
  @RequireRole(Role.Viewer)
  @ApiOperation({
    summary: 'The task\'s dead items grouped by cause',
    description: 'Causes are grouped by a normalised signature (numbers, ids, hex, uuids and quoted values masked); largest group first',
  })
  @ApiOkResponse({ type: FailuresDto })
  @ApiBadRequestResponse({ description: 'The task has no queue the hub can see' })
  @ApiNotFoundResponse()
  failuresOf(@Param('name', TaskNamePipe) name: string): Promise<FailuresDto> {
    return this.failures.list(name);
  }

  @Delete(':name')
  @RequireRole(Role.Admin)
  @ApiOperation({ summary: 'Remove the pending task of that name, or else its completed records (Redis keys stay)' })
  @ApiOkResponse({ type: [TaskRecordDto] })
  @ApiConflictResponse({ description: 'The task is running' })
  @ApiNotFoundResponse()
  remove(@Param('name', TaskNamePipe) name: string): Promise<{ removed: TaskRecordDto[] }> {
    return this.commands.remove(name);
  }
}

import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  DeadRequeueResultDto,
  FinishResultDto,
  NextResultDto,
  Role,
  TaskCreateDto,
  TaskListDto,
  TaskRecordDto,
} from '@gridcore/contracts';
import { RequireRole } from '../auth/access.decorator';
import { TaskNamePipe } from './task-name.pipe';
import { TaskCommands } from './task-commands.service';
import { TaskQueries } from './task-queries.service';

@ApiTags('tasks')
@ApiBearerAuth()
@Controller('api/tasks')
export class TasksController {
  constructor(
    private readonly commands: TaskCommands,
    private readonly queries: TaskQueries,
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
  @RequireRole(Role.Admin)
  @ApiOperation({ summary: 'Complete the current task and start the next pending one' })
  @ApiOkResponse({ type: FinishResultDto })
  @ApiBadRequestResponse({ description: 'No current task running' })
  finish(): Promise<FinishResultDto> {
    return this.commands.finish();
  }

  @Post('next')
  @HttpCode(200)
  @RequireRole(Role.Admin)
  @ApiOperation({
    summary: 'The original\'s next: complete the current task, start the next pending one',
    description: 'With no pending task the current one is still completed, and the answer is 400 No more tasks available',
  })
  @ApiOkResponse({ type: NextResultDto })
  @ApiBadRequestResponse({ description: 'No more tasks available' })
  next(): Promise<NextResultDto> {
    return this.commands.next();
  }

  @Get(':name')
  @RequireRole(Role.Viewer)
  @ApiOperation({ summary: 'One task (its latest run): status, timestamps, progress' })
  @ApiOkResponse({ type: TaskRecordDto })
  @ApiNotFoundResponse()
  get(@Param('name', TaskNamePipe) name: string): TaskRecordDto {
    return this.queries.get(name);
  }

  @Post(':name/dead/requeue')
  @HttpCode(200)
  @RequireRole(Role.Admin)
  @ApiOperation({ summary: 'Move the task\'s dead items back to its input queue' })
  @ApiOkResponse({ type: DeadRequeueResultDto })
  @ApiBadRequestResponse({ description: 'The task has no queue the hub can see' })
  @ApiNotFoundResponse()
  requeueDead(@Param('name', TaskNamePipe) name: string): Promise<DeadRequeueResultDto> {
    return this.commands.requeueDead(name);
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

import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Role, TaskRecordDto } from '@gridcore/contracts';
import { RequireRole } from '../access/access.decorator';
import { TaskNamePipe } from '../tasks/task-name.pipe';
import { DataLossService } from './data-loss.service';

@ApiTags('tasks')
@ApiBearerAuth()
@Controller('api/tasks')
export class DataLossController {
  constructor(private readonly dataLoss: DataLossService) {}

  @Post(':name/acknowledge-data-loss')
  @HttpCode(200)
  @RequireRole(Role.Admin)
  @ApiOperation({
    summary: 'Acknowledge that the task\'s Redis lost its queue: P:config is written again and auto-finish resumes',
    description: 'The task record\'s data_loss is cleared; SSE says task.data_loss_acknowledged',
  })
  @ApiOkResponse({ type: TaskRecordDto })
  @ApiConflictResponse({ description: 'The task has no data loss to acknowledge' })
  @ApiServiceUnavailableResponse({ description: 'The task\'s Redis did not take P:config; nothing changed' })
  @ApiNotFoundResponse()
  acknowledge(@Param('name', TaskNamePipe) name: string): Promise<TaskRecordDto> {
    return this.dataLoss.acknowledge(name);
  }
}

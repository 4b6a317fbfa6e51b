import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ProgressHistoryDto, Role } from '@gridcore/contracts';
import { RequireRole } from '../access/access.decorator';
import { OptionalTaskNamePipe } from './optional-task-name.pipe';
import { HISTORY_WINDOW_MS, ProgressHistory } from './progress-history';

@ApiTags('tasks')
@ApiBearerAuth()
@Controller('api/progress')
export class ProgressController {
  constructor(private readonly history: ProgressHistory) {}

  @Get('history')
  @RequireRole(Role.Viewer)
  @ApiOperation({ summary: 'The last ten minutes of progress samples (throughput), oldest first' })
  @ApiQuery({ name: 'task', required: false, description: 'Only this task\'s samples' })
  @ApiOkResponse({ type: ProgressHistoryDto })
  recent(@Query('task', OptionalTaskNamePipe) task?: string): ProgressHistoryDto {
    return { window_s: HISTORY_WINDOW_MS / 1000, samples: this.history.recent(task) };
  }
}

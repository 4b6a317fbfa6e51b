import { Controller, Get, Headers, Param, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Role, TaskReportDto } from '@gridcore/contracts';
import { RequireRole } from '../access/access.decorator';
import { TaskNamePipe } from '../tasks/task-name.pipe';
import { taskReportCsv } from './task-report';
import { TaskReports } from './task-reports.service';

@ApiTags('tasks')
@ApiBearerAuth()
@Controller('api/tasks')
export class TaskReportsController {
  constructor(private readonly reports: TaskReports) {}

  @Get(':name/report')
  @RequireRole(Role.Viewer)
  @ApiOperation({
    summary: "A task's report (its latest run): duration, items done, dead items by group, items and CPU/GPU-seconds per node, switch times",
    description: 'JSON, or CSV (one row per node) with `Accept: text/csv`. Final once the run completed; kept with the task record across hub restarts.',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: TaskReportDto })
  @ApiNotFoundResponse()
  async report(@Param('name', TaskNamePipe) name: string, @Headers('accept') accept: string | undefined, @Res() res: Response): Promise<void> {
    const report = await this.reports.report(name);
    if (/\btext\/csv\b/i.test(accept ?? '')) {
      res
        .status(200)
        .set({ 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${report.task}-report.csv"` })
        .send(taskReportCsv(report));
      return;
    }
    res.status(200).json(report);
  }
}

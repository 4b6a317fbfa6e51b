import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Open } from '../access/access.decorator';
import { DashboardAssets } from './dashboard-assets';

/** The dashboard's static files: `/` and `/dashboard/<file>`, open (SPEC §2.1). */
@ApiExcludeController()
@Open()
@Controller()
export class DashboardController {
  constructor(private readonly assets: DashboardAssets) {}

  @Get()
  index(@Res() res: Response): void {
    this.assets.sendIndex(res);
  }

  @Get('dashboard/:file')
  file(@Param('file') file: string, @Res() res: Response): void {
    this.assets.sendFile(res, file);
  }
}

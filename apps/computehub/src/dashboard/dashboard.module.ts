import { Module } from '@nestjs/common';
import { DashboardAssets } from './dashboard-assets';
import { DashboardController } from './dashboard.controller';
import { WhoamiController } from './whoami.controller';
import { WhoamiService } from './whoami.service';

/** The web dashboard's static files, and `GET /api/whoami` that tells it which actions to show. */
@Module({
  controllers: [WhoamiController, DashboardController],
  providers: [{ provide: DashboardAssets, useFactory: () => new DashboardAssets() }, WhoamiService],
})
export class DashboardModule {}

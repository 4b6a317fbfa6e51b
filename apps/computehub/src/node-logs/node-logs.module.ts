import { Module } from '@nestjs/common';
import { NodesModule } from '../nodes/nodes.module';
import { RedisUsersModule } from '../redis-users/redis-users.module';
import { TasksModule } from '../tasks/tasks.module';
import { HubLogSecrets } from './hub-log-secrets';
import { LogRelayBoard } from './log-relay-board';
import { LogRelayController } from './log-relay.controller';
import { LogSecrets } from './log-secrets.port';
import { NodeLogsController } from './node-logs.controller';
import { NodeLogs } from './node-logs.service';

/** Container logs of any node, relayed over the node's own connection (issue 19, point 3). */
@Module({
  imports: [NodesModule, TasksModule, RedisUsersModule],
  controllers: [NodeLogsController, LogRelayController],
  providers: [{ provide: LogRelayBoard, useFactory: () => new LogRelayBoard() }, { provide: LogSecrets, useClass: HubLogSecrets }, NodeLogs],
})
export class NodeLogsModule {}

import { Module } from '@nestjs/common';
import { stateStoreProvider } from '../persistence/state-store.provider';
import { NodesModule } from '../nodes/nodes.module';
import { QueuesModule } from '../queues/queues.module';
import { RedisUsersModule } from '../redis-users/redis-users.module';
import { TasksModule } from '../tasks/tasks.module';
import { CredentialBook } from './credential-book';
import { CredentialStore } from './credential-store';
import { FileCredentialStore } from './file-credential-store';
import { JoinTokensController } from './join-tokens.controller';
import { JoinTokensService } from './join-tokens.service';
import { NodeEnrollment } from './node-enrollment.service';
import { NodeRevocationController } from './node-revocation.controller';
import { NodeRevocation } from './node-revocation.service';
import { RedisCredentialStore } from './redis-credential-store';

/** Volunteer identity: join tokens, the node credentials they lead to, and revocation. */
@Module({
  imports: [NodesModule, TasksModule, QueuesModule, RedisUsersModule],
  controllers: [JoinTokensController, NodeRevocationController],
  providers: [
    stateStoreProvider(CredentialStore, { redis: (redis, writes) => new RedisCredentialStore(redis, writes), file: (config, writes) => new FileCredentialStore(config, writes) }),
    CredentialBook,
    JoinTokensService,
    NodeRevocation,
    NodeEnrollment,
  ],
  exports: [CredentialBook, NodeEnrollment],
})
export class JoinTokensModule {}

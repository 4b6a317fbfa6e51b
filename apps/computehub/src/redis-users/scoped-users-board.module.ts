import { Module } from '@nestjs/common';
import { ScopedUsersBoard } from './scoped-users-board';

@Module({ providers: [ScopedUsersBoard], exports: [ScopedUsersBoard] })
export class ScopedUsersBoardModule {}

import { Injectable, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Role } from '@gridcore/contracts';
import { TokenRegistry } from '../auth/token-registry';
import { WhoamiDto } from './whoami.dto';

const ROLE_ORDER = [Role.Admin, Role.Viewer, Role.Node];

@Injectable()
export class WhoamiService implements OnModuleInit {
  private tokens!: TokenRegistry;

  constructor(private readonly moduleRef: ModuleRef) {}

  onModuleInit(): void {
    // AuthModule owns the one registry (and does not export it); reading that instance keeps a
    // single source of truth instead of building a second registry from the config.
    this.tokens = this.moduleRef.get(TokenRegistry, { strict: false });
  }

  /** The roles of the bearer token in `authorization` (the guard has already accepted it). */
  of(authorization: string | undefined): WhoamiDto {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    const roles = token ? this.tokens.rolesOf(token) : null;
    return { roles: ROLE_ORDER.filter((r) => roles?.has(r)) };
  }
}

import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Role } from '@gridcore/contracts';
import { HubConfig } from '../config/hub-config';
import { CredentialRefusedError } from '../errors/credential-refused.error';
import { ForbiddenError } from '../errors/forbidden.error';
import { CredentialBook } from '../join-tokens/credential-book';
import { Access, ACCESS_KEY } from '../access/access.decorator';
import { CALLER, Caller, RequestWithCaller } from '../access/caller';
import { CALLER_ROLES, RequestWithRoles } from '../access/caller-roles.decorator';
import { JOIN_TOKEN_ALLOWED_KEY } from '../access/join-token-allowed.decorator';
import { TokenRegistry } from './token-registry';

const NODE_ONLY = new Set([Role.Node]);

/** A route's markers, read once: decorators set them when the class loads, and they never change. */
interface RouteMarkers {
  access: Access | undefined;
  joinTokenAllowed: boolean;
}

/**
 * Global guard: every route wants `Authorization: Bearer <token>` unless marked open. 401 for a
 * missing or unknown token (with `reason: "revoked"` for a revoked node's credential), 403 for a
 * known token of the wrong role, for a join token anywhere but register, and for a node
 * credential naming another node's id.
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenRegistry,
    private readonly credentials: CredentialBook,
    private readonly config: HubConfig,
  ) {}

  /** Per controller class, per handler: reflecting the markers on every request cost more than the check. */
  private readonly markers = new WeakMap<object, WeakMap<object, RouteMarkers>>();

  canActivate(context: ExecutionContext): boolean {
    const { access, joinTokenAllowed } = this.markersOf(context);
    if (access && 'open' in access) return true;
    if (access && 'metrics' in access && this.config.values.metrics_public) return true;
    const request = context.switchToHttp().getRequest<RequestWithRoles & RequestWithCaller>();
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new UnauthorizedException('missing bearer token (Authorization: Bearer <token>)');
    const caller = this.identify(match[1]);
    // A route without a marker wants admin: forgetting one can never open a route.
    const needed = !access ? Role.Admin : 'role' in access ? access.role : Role.Viewer;
    if (!caller.roles.has(needed)) throw new ForbiddenException(`this token lacks the ${needed} role`);
    if (caller.kind === 'join' && !joinTokenAllowed) {
      throw new ForbiddenError('a join token can only register (POST /gridnode/register); every later call uses the node_token register answered');
    }
    if (caller.kind === 'node-credential') this.checkOwnNode(caller, request);
    request[CALLER_ROLES] = caller.roles;
    request[CALLER] = caller;
    return true;
  }

  private markersOf(context: ExecutionContext): RouteMarkers {
    const handler = context.getHandler();
    const controller = context.getClass();
    let ofClass = this.markers.get(controller);
    if (!ofClass) this.markers.set(controller, (ofClass = new WeakMap()));
    let found = ofClass.get(handler);
    if (!found) {
      found = {
        access: this.reflector.getAllAndOverride<Access | undefined>(ACCESS_KEY, [handler, controller]),
        joinTokenAllowed: !!this.reflector.get<boolean>(JOIN_TOKEN_ALLOWED_KEY, handler),
      };
      ofClass.set(handler, found);
    }
    return found;
  }

  private identify(token: string): Caller {
    const found = this.credentials.lookup(token);
    if (found.kind === 'refused') throw new CredentialRefusedError(found.message, found.reason);
    if (found.kind === 'node-credential') return { kind: 'node-credential', roles: NODE_ONLY, nodeId: found.nodeId, joinTokenId: found.joinTokenId };
    const roles = this.tokens.rolesOf(token);
    if (found.kind === 'join') {
      // A config token listed as a join token and an admin one too keeps both.
      return { kind: 'join', roles: roles ? new Set([...roles, Role.Node]) : NODE_ONLY, nodeId: null, joinTokenId: found.joinTokenId };
    }
    if (!roles) throw new UnauthorizedException('unknown token');
    return { kind: this.tokens.isLegacy(token) ? 'legacy' : 'operator', roles, nodeId: null, joinTokenId: null };
  }

  /** A node credential speaks only for its own id, in the body and in the query alike. */
  private checkOwnNode(caller: Caller, request: RequestWithCaller): void {
    const claimed = [(request.body as { node_id?: unknown } | undefined)?.node_id, (request.query as { node_id?: unknown })?.node_id];
    for (const id of claimed) {
      if (id !== undefined && id !== null && id !== caller.nodeId) {
        throw new ForbiddenError(`this node credential belongs to node ${caller.nodeId}, not ${String(id)}`);
      }
    }
  }
}

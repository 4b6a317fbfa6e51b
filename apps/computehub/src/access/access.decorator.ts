import { SetMetadata } from '@nestjs/common';
import { Role } from '@gridcore/contracts';

export const ACCESS_KEY = 'gridcore:access';

/** Who may call a route: open to anyone, or one role (admin implies viewer). */
export type Access = { open: true } | { role: Role } | { metrics: true };

export const Open = (): MethodDecorator & ClassDecorator => SetMetadata(ACCESS_KEY, { open: true } satisfies Access);
export const RequireRole = (role: Role): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_KEY, { role } satisfies Access);
/** `/metrics`: viewer, or open when the hub's `metrics_public` is set. */
export const MetricsAccess = (): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_KEY, { metrics: true } satisfies Access);

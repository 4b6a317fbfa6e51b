import { SetMetadata } from '@nestjs/common';

export const JOIN_TOKEN_ALLOWED_KEY = 'gridcore:joinTokenAllowed';

/** The one node route a join token may call (register): every other answers it 403. */
export const JoinTokenAllowed = (): MethodDecorator => SetMetadata(JOIN_TOKEN_ALLOWED_KEY, true);

import { Metadata } from '@grpc/grpc-js';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** The signed-in user a request comes from, as its verified token says. */
export interface Caller {
  readonly user: string;
  /** The token itself, forwarded to the services, which verify it again. */
  readonly token: string;
  readonly expiresAt: Date;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the sign-in hook on every /api/ route that needs a token. */
    caller?: Caller;
  }
}

/** The Caller of a route the sign-in hook protects. */
export const SignedIn = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  const { caller } = context.switchToHttp().getRequest<FastifyRequest>();
  // The hook answers 401 before any protected route runs; a route without a caller is a wiring bug.
  if (!caller) throw new Error('a route that needs a signed-in caller is not behind the sign-in hook');
  return caller;
});

/** The metadata of a call made for `caller`: its token, for the service to verify. */
export function callerMetadata(caller: Caller): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${caller.token}`);
  return metadata;
}

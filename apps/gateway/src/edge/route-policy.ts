import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';

/**
 * What a route needs before its handler runs, declared on the route itself and read by the
 * request pipeline (request-pipeline.ts) from the route the router matched, never from the URL.
 */
export interface RoutePolicy {
  /** 'public': anyone may call it; 'signed-in': a valid token, else 401. */
  readonly access: 'public' | 'signed-in';
  /** A browser request from a page of another origin is refused (403): the cookie alone must not let it act. */
  readonly sameOrigin?: boolean;
  /** The rate it counts against: its user's requests (RATE_LIMIT_PER_MINUTE) or its client's new sessions (SESSIONS_PER_MINUTE). */
  readonly rate?: 'user-requests' | 'client-sessions';
  /** It holds one of its client's stream slots (MAX_STREAMS_PER_CLIENT) while it runs: SSE, WebSocket, upload. */
  readonly stream?: boolean;
  /** It is a WebSocket: a handshake to any other route is refused (404), never upgraded. */
  readonly websocket?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    policy?: RoutePolicy;
  }
}

/** What a route that declares nothing gets: the API's default, signed in and rate-limited per user. */
export const SIGNED_IN: RoutePolicy = { access: 'signed-in', rate: 'user-requests' };

/** The page, its assets and the probes: open to anyone, and not rate-limited. */
export const PUBLIC: RoutePolicy = { access: 'public' };

/**
 * What the pipeline applies to a request that matched no route: nothing, for it runs no handler
 * and is answered 404 whatever it carries.
 */
const UNMATCHED: RoutePolicy = PUBLIC;

/** Declares a Nest route's policy (as Fastify route config, which the pipeline's hooks read). */
export const Policy = (policy: RoutePolicy): MethodDecorator => RouteConfig({ policy });

/** The policy of the route `request` matched. */
export function policyOf(request: FastifyRequest): RoutePolicy {
  if (request.routeOptions.url === undefined) return UNMATCHED;
  return request.routeOptions.config.policy ?? SIGNED_IN;
}

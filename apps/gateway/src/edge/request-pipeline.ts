import type { LoggerService } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import fastifyWebsocket from '@fastify/websocket';
import { requireSameOrigin } from '../auth/origin.hook';
import { Authenticator } from '../auth/authenticator';
import { requireSignIn } from '../auth/sign-in.hook';
import { MAX_WEBSOCKET_PAYLOAD_BYTES } from '../chat/client-frames';
import type { GatewayConfig } from '../config';
import { trackForDrain } from '../lifecycle/drain.hook';
import { GatewayDrain } from '../lifecycle/gateway-drain';
import { ClientStreams } from '../limits/client-streams';
import { limitRequestRates } from '../limits/rate-limits';
import { holdStreamSlots } from '../limits/stream-slots.hook';
import { AccessLog } from '../metrics/access-log';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { recordHttpRequests } from '../metrics/http-requests.hook';
import { findClients } from './client.hook';
import { refuseStrayUpgrades } from './websocket-routes.hook';

/**
 * The one pipeline every request meets, HTTP or WebSocket: @fastify/websocket dispatches an
 * upgrade through Fastify's router, so it meets the same hooks and its refusals are the same
 * JSON errors, metrics, spans and log lines. Each step reads the policy the matched route
 * declares (route-policy.ts), never the URL's text, so every spelling the router accepts for a
 * route gets that route's policy. In order:
 *
 * 1. metrics and the access log, for every request however it ends;     onRequest
 * 2. the client, through TRUSTED_PROXIES;                                onRequest
 * 3. drain: 503 once the gateway has stopped taking work;                onRequest
 *    and a WebSocket handshake to a route that is not one: 404;          onRequest
 * 4. sign-in: 401 without a valid token, unless the route is public;     onRequest
 * 5. origin: 403 for a page of another origin, on `sameOrigin` routes;   onRequest
 * 6. rate: 429 past the route's rate;                                    preValidation
 * 7. stream slots: 429 past the client's or the gateway's streams;       preHandler
 *
 * then the route's own hooks (the WebSocket handshake, the chat join) and its handler.
 * Hooks run in the order they are added; these are added before any route exists.
 */
export async function installRequestPipeline(
  app: NestFastifyApplication,
  config: GatewayConfig,
  logger: LoggerService,
): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  // First: its onRequest hook marks upgrades (`request.ws`) for the steps below.
  await app.register(fastifyWebsocket, { options: { maxPayload: MAX_WEBSOCKET_PAYLOAD_BYTES } });
  recordHttpRequests(fastify, app.get(GatewayMetrics), new AccessLog(config, logger));
  findClients(fastify, config.trustedProxies);
  trackForDrain(fastify, app.get(GatewayDrain));
  refuseStrayUpgrades(fastify);
  requireSignIn(fastify, app.get(Authenticator));
  requireSameOrigin(fastify, config.auth.allowedOrigins);
  await limitRequestRates(app, config.auth);
  holdStreamSlots(fastify, app.get(ClientStreams));
}

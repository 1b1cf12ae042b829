import { type DescField, type DescMessage, toBinary } from '@bufbuild/protobuf';
import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { callerMetadata } from '../auth/caller';
import { readSmallJsonBody } from '../auth/small-json-body';
import { Backends } from '../backends/backends';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { type RoutePolicy, SIGNED_IN } from '../edge/route-policy';
import { sendError } from '../http/http-errors.filter';
import { registerWithJsonErrors } from '../http/json-error-scope';
import type { Query } from '../http/query';
import { NDJSON, relayStream, SERVER_SENT_EVENTS } from '../http/stream-relay';
import { GatewayDrain } from '../lifecycle/gateway-drain';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { SERVED_BY_HEADER } from '@quartet/proto';
import type { EventStreamRule, HttpRoute } from './http-routes';
import { messageJson } from './message-json';
import { callRawServerStream, callRawUnary } from './raw-calls';
import { bindRequest } from './request-binding';

/** The most a transcoded route's JSON body may hold: requests that need more are uploads. */
export const MAX_JSON_BODY_BYTES = 64 * 1024;

/** A route of the contracts, ready to serve: its method path, its client and its JSON writer. */
interface ServedRoute {
  readonly route: HttpRoute;
  readonly path: string;
  readonly input: DescMessage;
  readonly client: ReturnType<Backends['clientOf']>;
  readonly json: ReturnType<typeof messageJson>;
  /** Each event's id, by the route's event_stream option. */
  readonly idOf?: (bytes: Buffer, json: unknown) => string;
}

/**
 * The HTTP routes the contracts declare (google.api.http), served by transcoding: the request
 * bound to its message by the HttpRule, encoded once and sent on the backend's channel as
 * bytes; the response written as proto3 JSON, a server stream as Server-Sent Events or, for
 * `Accept: application/x-ndjson`, newline-delimited JSON. They are Fastify routes with a policy,
 * so they meet the request pipeline (edge/request-pipeline.ts) as every other route does.
 */
@Injectable()
export class TranscodedRoutes {
  constructor(
    private readonly backends: Backends,
    private readonly metrics: GatewayMetrics,
    private readonly drain: GatewayDrain,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** Adds the routes to `app`, their errors (and their hooks') answered as the JSON error. */
  async register(app: NestFastifyApplication, routes: readonly HttpRoute[]): Promise<void> {
    await registerWithJsonErrors(app, (scope) => this.install(scope, routes));
  }

  /** Adds the routes to `fastify`; templates that share a Fastify path share its handler, which picks by template. */
  install(fastify: FastifyInstance, routes: readonly HttpRoute[]): void {
    const byRouterPath = new Map<string, ServedRoute[]>();
    for (const route of routes) {
      const key = `${route.verb} ${route.template.routerPath}`;
      byRouterPath.set(key, [...(byRouterPath.get(key) ?? []), this.serve(route)]);
    }
    for (const served of byRouterPath.values()) {
      const [{ route }] = served as [ServedRoute];
      const policy: RoutePolicy =
        route.method.methodKind === 'server_streaming' ? { ...SIGNED_IN, stream: true } : SIGNED_IN;
      const handler = (request: FastifyRequest, reply: FastifyReply) => this.handle(served, request, reply);
      // The name of the handler's span in a trace: `handler - helloworld.Greeter/SayHello`.
      Object.defineProperty(handler, 'name', { value: served.map(({ path }) => path.slice(1)).join(' | ') });
      fastify.route({
        method: route.verb,
        url: route.template.routerPath,
        config: { policy },
        // A HEAD of a stream would run it with nowhere to write: Node drops a HEAD's body.
        exposeHeadRoute: !policy.stream,
        handler,
      });
    }
  }

  private serve(route: HttpRoute): ServedRoute {
    const { method, eventStream, responseBody } = route;
    const idName = eventStream?.idField.jsonName;
    // The id is the response's own field, even when response_body sends only another one.
    const whole = responseBody === undefined ? undefined : messageJson(method.output);
    return {
      route,
      path: `/${method.parent.typeName}/${method.name}`,
      input: method.input,
      client: this.backends.clientOf(method.parent.typeName),
      json: messageJson(method.output, responseBody),
      ...(idName === undefined
        ? {}
        : {
            idOf: (bytes: Buffer, json: unknown) =>
              String(((whole ? whole(bytes) : json) as Record<string, unknown>)[idName]),
          }),
    };
  }

  private async handle(served: readonly ServedRoute[], request: FastifyRequest, reply: FastifyReply) {
    try {
      const rawPath = request.url.split('?', 1)[0] ?? '';
      const [target, bindings] = matching(served, rawPath);
      const { route } = target;
      const query = { ...(request.query as Query) };
      const path = { ...bindings };
      const resume = route.eventStream && resumeAfter(request.headers['last-event-id'], route.eventStream);
      if (resume) {
        // EventSource reconnects to the same URL: the header says where, whatever the query said.
        const { field, at } = resume;
        delete query[field.name];
        delete query[field.jsonName];
        path[field.name] = at;
      }
      const body = route.body ? await readSmallJsonBody(request.raw, MAX_JSON_BODY_BYTES) : undefined;
      const message = bindRequest(target.input, {
        path,
        query,
        bodyField: route.body,
        body: body as Parameters<typeof bindRequest>[1]['body'],
        required: route.required,
      });
      const bytes = toBinary(target.input, message);
      // A route that needs no sign-in is not declared by any contract: the pipeline set this.
      const metadata = callerMetadata(request.caller ?? missingCaller());
      if (route.method.methodKind === 'server_streaming') {
        void reply.hijack();
        const call = callRawServerStream(
          target.client,
          target.path,
          bytes,
          metadata,
          this.config.streamDeadlineMs,
        );
        relayStream(call, reply.raw, {
          format: /\bapplication\/x-ndjson\b/i.test(request.headers.accept ?? '')
            ? NDJSON
            : SERVER_SENT_EVENTS,
          route: request.routeOptions.url ?? route.template.routerPath,
          metrics: this.metrics,
          drain: this.drain,
          toJson: target.json,
          ...(target.idOf ? { idOf: target.idOf } : {}),
        });
        return;
      }
      const { response, servedBy } = await callRawUnary(
        target.client,
        target.path,
        bytes,
        metadata,
        this.config.deadlineMs,
      );
      if (servedBy) void reply.header(SERVED_BY_HEADER, servedBy);
      // Serialized here: Fastify would send a response_body that is a string as it is, not as JSON.
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(target.json(response)));
    } catch (error) {
      if (reply.sent || reply.raw.headersSent) throw error;
      sendError(reply, error);
      return reply;
    }
  }
}

/** The first route whose template matches the path, with its bindings; 404 if none does. */
function matching(served: readonly ServedRoute[], rawPath: string): [ServedRoute, Record<string, string>] {
  for (const target of served) {
    const bindings = target.route.template.match(rawPath);
    if (bindings) return [target, bindings];
  }
  throw new NotFoundException(`no route for ${rawPath.slice(0, 200)}`);
}

/** The resume field and its value for `Last-Event-ID`, the id after it; undefined without the header. */
function resumeAfter(
  lastEventId: string | string[] | undefined,
  { idField, item, resumeField }: EventStreamRule,
): { field: DescField; at: string } | undefined {
  if (lastEventId === undefined) return undefined;
  if (typeof lastEventId !== 'string' || !/^\d{1,19}$/.test(lastEventId)) {
    throw new BadRequestException(`Last-Event-ID must be the ${idField.name} of the last ${item} received`);
  }
  return { field: resumeField, at: String(BigInt(lastEventId) + 1n) };
}

function missingCaller(): never {
  throw new Error('a transcoded route ran without a signed-in caller: it is not behind the sign-in hook');
}

import { context, type Context } from '@opentelemetry/api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { type ClientDuplexStream, Metadata, type ServiceError } from '@grpc/grpc-js';
import {
  BadRequestException,
  type BeforeApplicationShutdown,
  ForbiddenException,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  CHAT_ROOM_HEADER,
  type ChatRequest,
  type ChatResponse,
  ChatServiceDefinition,
  SERVED_BY_HEADER,
} from '@quartet/proto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { type Caller, callerMetadata } from '../auth/caller';
import { Backends } from '../backends/backends';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { refuse } from '../edge/refuse';
import { requestSpan } from '../edge/request-span';
import type { RoutePolicy } from '../edge/route-policy';
import { servedByOf } from '../http/grpc-call';
import { grpcErrorBody, httpStatusOf } from '../http/grpc-status';
import { requiredParam, wholeNumberParam } from '../http/query';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { ChatSession } from './chat-session';
import { handshakeProblem } from './websocket-handshake';

export const CHAT_ROUTE = '/api/chat';

/** Signed in, from the gateway's own pages (a cookie alone must not let a foreign page chat as the user), one stream slot. */
const CHAT_POLICY: RoutePolicy = {
  access: 'signed-in',
  sameOrigin: true,
  rate: 'user-requests',
  stream: true,
  websocket: true,
};

/** A join the chat service accepted, waiting for its socket's upgrade. */
interface AcceptedJoin {
  readonly call: ClientDuplexStream<ChatRequest, ChatResponse>;
  readonly servedBy?: string;
  readonly response: ServerResponse;
  readonly traceContext: Context;
  /** Hands the call over: the socket closing no longer cancels it from here. */
  readonly handOver: () => void;
}

/**
 * `/api/chat?room=&since=` as a WebSocket, for the signed-in user (the session cookie, as a
 * browser sends it, or a bearer token); `user=`, when given, must be that user. A route like
 * any other: the request pipeline has decided drain, sign-in, origin, rate and the stream slot
 * before this file's hooks run. What is left is the WebSocket's own: the handshake's checks,
 * the join the upgrade waits for (so that a refused join is an ordinary HTTP error and an
 * accepted one carries `x-served-by`), and the session once upgraded.
 */
@Injectable()
export class ChatSocketServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly sessions = new Set<ChatSession>();
  private readonly joins = new WeakMap<IncomingMessage, AcceptedJoin>();
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly backends: Backends,
    private readonly metrics: GatewayMetrics,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.websocketServer.on('headers', (headers: string[], request: IncomingMessage) => {
      const servedBy = this.joins.get(request)?.servedBy;
      if (servedBy) headers.push(`${SERVED_BY_HEADER}: ${servedBy}`);
    });
    fastify.route({
      method: 'GET',
      url: CHAT_ROUTE,
      config: { policy: CHAT_POLICY },
      preHandler: [
        (request, reply, done) => this.checkHandshake(request, reply, done),
        (request, reply) => this.join(request, reply),
      ],
      // Unreachable past checkHandshake, which lets only upgrades through.
      handler: (_request, reply) => refuse(reply, 400, 'BAD_REQUEST', 'this route is a WebSocket'),
      wsHandler: (socket, request) => this.accept(socket, request),
    });
    // A browser that vanished without closing answers no ping: it is dropped within two intervals.
    this.heartbeat = setInterval(() => {
      for (const session of this.sessions) session.heartbeat();
    }, this.config.limits.wsPingIntervalMs).unref();
  }

  beforeApplicationShutdown(): void {
    this.closeAll();
  }

  /** Closes every session with 1001 (going away), so that each page reconnects, elsewhere, with `since`. */
  closeAll(): void {
    clearInterval(this.heartbeat);
    for (const session of this.sessions) session.shutDown();
  }

  /**
   * Starts the chat call and lets the upgrade go on once the service accepts the join; a
   * refusal is answered as HTTP with the service's status. The call has an error listener from
   * its first moment to its last: until the upgrade the error is the refusal to answer; after
   * it, the session's; in between (the socket closed, ws refused it) there is nothing left to
   * tell, and the call was cancelled for it.
   */
  private join(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const caller = request.caller as Caller;
    let join: { room: string; user: string; sinceSeq: bigint };
    try {
      const query = parseQuery(request.raw.url?.split('?')[1] ?? '');
      join = {
        room: requiredParam(query, 'room'),
        user: optionalUser(query, caller),
        sinceSeq: BigInt(wholeNumberParam(query, 'since', 0, Number.MAX_SAFE_INTEGER)),
      };
    } catch (error) {
      if (error instanceof ForbiddenException) {
        return Promise.resolve(refuse(reply, 403, 'PERMISSION_DENIED', error.message));
      }
      const message = error instanceof BadRequestException ? error.message : String(error);
      return Promise.resolve(refuse(reply, 400, 'BAD_REQUEST', message));
    }
    const metadata = callerMetadata(caller);
    // A header carries printable ASCII only; any other room name is the chat service's to refuse.
    if (/^[\x20-\x7e]+$/.test(join.room)) metadata.set(CHAT_ROOM_HEADER, join.room);
    // The session is the request's span (under the caller's traceparent, if it sent one), with
    // the call's client span under it and each post under that.
    requestSpan(request)?.setAttribute('chat.room', join.room);
    const traceContext = context.active();
    const call = context.with(traceContext, () =>
      this.backends
        .client(ChatServiceDefinition)
        .chat(metadata, { deadline: Date.now() + this.config.streamDeadlineMs }),
    );
    const socket = request.raw.socket;
    const onSocketGone = () => call.cancel();
    socket.once('close', onSocketGone);
    return new Promise((resolve) => {
      let joining = true;
      call.on('error', (error: ServiceError) => {
        if (!joining) return;
        joining = false;
        socket.off('close', onSocketGone);
        const servedBy = servedByOf(error.metadata);
        if (servedBy) void reply.header(SERVED_BY_HEADER, servedBy);
        resolve(
          reply.status(httpStatusOf(error.code)).send(grpcErrorBody(error.code, error.details, servedBy)),
        );
      });
      call.once('metadata', (headers: Metadata) => {
        if (!joining) return;
        joining = false;
        this.joins.set(request.raw, {
          call,
          servedBy: servedByOf(headers),
          response: reply.raw,
          traceContext,
          handOver: () => socket.off('close', onSocketGone),
        });
        resolve(undefined);
      });
      call.write({ action: { $case: 'join', value: join } });
    });
  }

  /** A malformed handshake is refused before any backend call is started for it, in the same JSON shape. */
  private checkHandshake(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
    const problem = request.ws
      ? handshakeProblem(request.raw)
      : { statusCode: 400, message: 'this route is a WebSocket: send the handshake (Upgrade: websocket)' };
    if (!problem) return done();
    this.metrics.refused('ws_handshake');
    void refuse(reply, problem.statusCode, 'BAD_REQUEST', problem.message, { ...problem.headers });
  }

  /** The upgraded socket: the session relays frames both ways until either side ends. */
  private accept(webSocket: WebSocket, request: FastifyRequest): void {
    const joined = this.joins.get(request.raw) as AcceptedJoin;
    joined.handOver();
    // The access log and the request's span report the upgrade when the socket closes.
    joined.response.statusCode = 101;
    this.metrics.openStreams.inc({ route: CHAT_ROUTE });
    const session = new ChatSession(
      webSocket,
      joined.call,
      this.config.limits,
      {
        onPause: () => this.metrics.pausedForClient.inc({ route: CHAT_ROUTE }),
        onLimit: (limit) => this.metrics.refused(limit),
        onClose: () => {
          this.sessions.delete(session);
          this.metrics.openStreams.dec({ route: CHAT_ROUTE });
        },
      },
      joined.traceContext,
    );
    this.sessions.add(session);
  }
}

/** The member's user: the caller's; a `user` parameter, when sent, must name the same. */
function optionalUser(query: ReturnType<typeof parseQuery>, caller: Caller): string {
  const asked = query['user'];
  if (asked === undefined) return caller.user;
  if (asked !== caller.user) {
    throw new ForbiddenException(
      `you are signed in as ${JSON.stringify(caller.user)} and cannot chat as ${JSON.stringify(asked)}`,
    );
  }
  return caller.user;
}

import type { ServerResponse } from 'node:http';
import { type ClientReadableStream, type Metadata, type ServiceError } from '@grpc/grpc-js';
import { SERVED_BY_HEADER } from '@quartet/proto';
import type { GatewayDrain } from '../lifecycle/gateway-drain';
import type { GatewayMetrics } from '../metrics/gateway-metrics';
import { servedByOf } from './grpc-call';
import { grpcErrorBody, httpStatusOf } from './grpc-status';

export interface ServerSentEventsOptions<T> {
  /** The route pattern, for metrics. */
  readonly route: string;
  readonly metrics: GatewayMetrics;
  /** Ends the stream when the gateway shuts down. */
  readonly drain: Pick<GatewayDrain, 'addStream'>;
  /** The JSON form of one message, sent as one event's data. */
  toJson(message: T): unknown;
  /**
   * The event id of a message, from which the stream can resume: a client that reconnects sends
   * the last one it saw as `Last-Event-ID` (an `EventSource` does so by itself).
   */
  idOf?(message: T): string;
}

/** How long a client waits before it reconnects after the gateway ended its stream to shut down. */
export const RECONNECT_MS = 1_000;
const SHUTTING_DOWN = {
  error: { code: 'UNAVAILABLE', message: 'the gateway is shutting down; reconnect to resume' },
};

/**
 * Relays a server-streaming call to an HTTP response as Server-Sent Events: one `message`
 * event per gRPC message (with its `id`, when the route gives one), then `end` when the call
 * succeeds or `error` with `{"error": {"code", "message"}}` when it fails; a call that fails
 * before its first message is a plain JSON error response with the mapped HTTP status instead.
 * When the gateway shuts down the stream ends with an `error` event of code UNAVAILABLE and
 * `retry: 1000`, the hint to reconnect (to another replica) and resume from the last id.
 *
 * Flow control holds end to end: when the client reads slowly the call is paused, so
 * grpc-js stops reading and HTTP/2 flow control stops the backend; the gateway holds at
 * most the socket's buffer and the call's small read-ahead. The client going away
 * cancels the call.
 */
export function relayServerSentEvents<T>(
  call: ClientReadableStream<T>,
  response: ServerResponse,
  { route, metrics, drain, toJson, idOf }: ServerSentEventsOptions<T>,
): void {
  let headersSent = false;
  let failed = false;
  metrics.openStreams.inc({ route });
  const unregister = drain.addStream({
    endForShutdown: () => {
      if (response.writableEnded || response.destroyed) return;
      failed = true;
      if (headersSent) {
        response.end(`retry: ${RECONNECT_MS}\nevent: error\ndata: ${JSON.stringify(SHUTTING_DOWN)}\n\n`);
      } else {
        response.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '1' });
        response.end(JSON.stringify(SHUTTING_DOWN));
      }
      call.cancel();
    },
  });

  const start = (servedBy: string | undefined) => {
    if (headersSent) return;
    headersSent = true;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // Tells nginx and similar proxies not to hold events back in a buffer.
      'x-accel-buffering': 'no',
      ...(servedBy ? { [SERVED_BY_HEADER]: servedBy } : {}),
    });
    response.flushHeaders();
  };

  call.on('metadata', (headers: Metadata) => start(servedByOf(headers)));
  call.on('data', (message: T) => {
    start(undefined);
    const id = idOf ? `id: ${idOf(message)}\n` : '';
    if (!response.write(`${id}data: ${JSON.stringify(toJson(message))}\n\n`)) {
      call.pause();
      metrics.pausedForClient.inc({ route });
      response.once('drain', () => call.resume());
    }
  });
  call.on('end', () => {
    if (failed) return;
    start(undefined);
    response.end('event: end\ndata: {}\n\n');
  });
  call.on('error', (error: ServiceError) => {
    if (failed || response.writableEnded || response.destroyed) return;
    failed = true;
    const servedBy = servedByOf(error.metadata);
    const body = grpcErrorBody(error.code, error.details, servedBy);
    if (headersSent) {
      response.end(`event: error\ndata: ${JSON.stringify(body)}\n\n`);
      return;
    }
    response.writeHead(httpStatusOf(error.code), {
      'content-type': 'application/json; charset=utf-8',
      ...(servedBy ? { [SERVED_BY_HEADER]: servedBy } : {}),
    });
    response.end(JSON.stringify(body));
  });
  response.once('close', () => {
    unregister();
    metrics.openStreams.dec({ route });
    // After a finished call this does nothing; before, it tells the backend to stop.
    call.cancel();
  });
}

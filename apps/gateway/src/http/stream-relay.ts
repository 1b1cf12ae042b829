import type { ServerResponse } from 'node:http';
import { type ClientReadableStream, type Metadata, type ServiceError } from '@grpc/grpc-js';
import { SERVED_BY_HEADER } from '@quartet/proto';
import type { GatewayDrain } from '../lifecycle/gateway-drain';
import type { GatewayMetrics } from '../metrics/gateway-metrics';
import { servedByOf } from './grpc-call';
import { type ErrorBody, grpcErrorBody, httpStatusOf } from './grpc-status';

/** How a stream's messages are framed on the response. */
export interface StreamFormat {
  readonly contentType: string;
  message(json: unknown, id: string | undefined): string;
  /** After the last message of a call that succeeded. */
  readonly end: string;
  error(body: ErrorBody): string;
  /** When the gateway ends the stream to shut down: the client should reconnect and resume. */
  readonly shutdown: string;
}

/** How a client waits before it reconnects after the gateway ended its stream to shut down. */
export const RECONNECT_MS = 1_000;
const SHUTTING_DOWN = {
  error: { code: 'UNAVAILABLE', message: 'the gateway is shutting down; reconnect to resume' },
};

/**
 * Server-Sent Events: one `message` event per gRPC message (with its `id`, when the route gives
 * one), then `end`, or `error` with `{"error": {"code", "message"}}`; on shutdown an error of code
 * UNAVAILABLE with `retry: 1000`, the hint to reconnect (to another replica) and resume from the
 * last id.
 */
export const SERVER_SENT_EVENTS: StreamFormat = {
  contentType: 'text/event-stream; charset=utf-8',
  message: (json, id) => `${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(json)}\n\n`,
  end: 'event: end\ndata: {}\n\n',
  error: (body) => `event: error\ndata: ${JSON.stringify(body)}\n\n`,
  shutdown: `retry: ${RECONNECT_MS}\nevent: error\ndata: ${JSON.stringify(SHUTTING_DOWN)}\n\n`,
};

/**
 * Newline-delimited JSON as grpc-gateway streams it: `{"result": message}` per line, and a last
 * `{"error": {"code", "message"}}` line when the call fails; a stream that ends without one succeeded.
 */
export const NDJSON: StreamFormat = {
  contentType: 'application/x-ndjson',
  message: (json) => `${JSON.stringify({ result: json })}\n`,
  end: '',
  error: (body) => `${JSON.stringify(body)}\n`,
  shutdown: `${JSON.stringify(SHUTTING_DOWN)}\n`,
};

export interface StreamRelayOptions<T> {
  readonly format: StreamFormat;
  /** The route pattern, for metrics. */
  readonly route: string;
  readonly metrics: GatewayMetrics;
  /** Ends the stream when the gateway shuts down. */
  readonly drain: Pick<GatewayDrain, 'addStream'>;
  /** The JSON form of one message. */
  toJson(message: T): unknown;
  /**
   * The event id of a message, from which the stream can resume: a client that reconnects sends
   * the last one it saw as `Last-Event-ID` (an `EventSource` does so by itself).
   */
  idOf?(message: T, json: unknown): string;
}

/**
 * Relays a server-streaming call to an HTTP response in `format`: a call that fails before its
 * first message is a plain JSON error response with the mapped HTTP status instead.
 *
 * Flow control holds end to end: when the client reads slowly the call is paused, so
 * grpc-js stops reading and HTTP/2 flow control stops the backend; the gateway holds at
 * most the socket's buffer and the call's small read-ahead. The client going away
 * cancels the call.
 */
export function relayStream<T>(
  call: ClientReadableStream<T>,
  response: ServerResponse,
  { format, route, metrics, drain, toJson, idOf }: StreamRelayOptions<T>,
): void {
  let headersSent = false;
  let failed = false;
  metrics.openStreams.inc({ route });
  const unregister = drain.addStream({
    endForShutdown: () => {
      if (response.writableEnded || response.destroyed) return;
      failed = true;
      if (headersSent) {
        response.end(format.shutdown);
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
      'content-type': format.contentType,
      'cache-control': 'no-cache, no-transform',
      // Tells nginx and similar proxies not to hold messages back in a buffer.
      'x-accel-buffering': 'no',
      ...(servedBy ? { [SERVED_BY_HEADER]: servedBy } : {}),
    });
    response.flushHeaders();
  };

  call.on('metadata', (headers: Metadata) => start(servedByOf(headers)));
  call.on('data', (message: T) => {
    start(undefined);
    const json = toJson(message);
    if (!response.write(format.message(json, idOf?.(message, json)))) {
      call.pause();
      metrics.pausedForClient.inc({ route });
      response.once('drain', () => call.resume());
    }
  });
  call.on('end', () => {
    if (failed) return;
    start(undefined);
    response.end(format.end);
  });
  call.on('error', (error: ServiceError) => {
    if (failed || response.writableEnded || response.destroyed) return;
    failed = true;
    const servedBy = servedByOf(error.metadata);
    const body = grpcErrorBody(error.code, error.details, servedBy);
    if (headersSent) {
      response.end(format.error(body));
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

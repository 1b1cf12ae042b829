import type { ServerResponse } from 'node:http';
import { type ClientReadableStream, type Metadata, type ServiceError } from '@grpc/grpc-js';
import { SERVED_BY_HEADER } from '@quartet/proto';
import type { GatewayMetrics } from '../metrics/gateway-metrics';
import { servedByOf } from './grpc-call';
import { grpcErrorBody, httpStatusOf } from './grpc-status';

export interface ServerSentEventsOptions<T> {
  /** The route pattern, for metrics. */
  readonly route: string;
  readonly metrics: GatewayMetrics;
  /** The JSON form of one message, sent as one event's data. */
  toJson(message: T): unknown;
}

/**
 * Relays a server-streaming call to an HTTP response as Server-Sent Events: one `message`
 * event per gRPC message, then `end` when the call succeeds or `error` with
 * `{"error": {"code", "message"}}` when it fails; a call that fails before its first
 * message is a plain JSON error response with the mapped HTTP status instead.
 *
 * Flow control holds end to end: when the client reads slowly the call is paused, so
 * grpc-js stops reading and HTTP/2 flow control stops the backend; the gateway holds at
 * most the socket's buffer and the call's small read-ahead. The client going away
 * cancels the call.
 */
export function relayServerSentEvents<T>(
  call: ClientReadableStream<T>,
  response: ServerResponse,
  { route, metrics, toJson }: ServerSentEventsOptions<T>,
): void {
  let headersSent = false;
  let failed = false;
  metrics.openStreams.inc({ route });

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
    if (!response.write(`data: ${JSON.stringify(toJson(message))}\n\n`)) {
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
    failed = true;
    if (response.destroyed) return;
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
    metrics.openStreams.dec({ route });
    // After a finished call this does nothing; before, it tells the backend to stop.
    call.cancel();
  });
}

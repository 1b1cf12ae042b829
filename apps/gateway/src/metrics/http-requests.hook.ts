import type { TraceIds } from '@quartet/telemetry';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requestSpan } from '../edge/request-span';
import type { AccessLog } from './access-log';
import type { GatewayMetrics } from './gateway-metrics';

/**
 * Every HTTP request, when its response closes: counted in the metrics and written as one
 * access-log line (method, route, status, duration, bytes written, trace id). On the raw
 * response, so that streamed answers (SSE, uploads) that bypass Fastify's reply count too,
 * with their whole duration. The route is Fastify's pattern (`/api/ticker/:symbol`), never
 * the raw URL, so that the label set stays small and no query string reaches the log.
 */
export function recordHttpRequests(
  fastify: FastifyInstance,
  metrics: GatewayMetrics,
  accessLog: AccessLog,
): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const started = performance.now();
    const trace = accessLog.enabled ? requestTraceIds(request) : undefined;
    const socket = reply.raw.socket;
    const bytesBefore = socket?.bytesWritten ?? 0;
    reply.raw.once('close', () => {
      const route = request.routeOptions.url ?? 'unmatched';
      const status = reply.raw.statusCode;
      const seconds = (performance.now() - started) / 1000;
      metrics.recordRequest(request.method, route, status, seconds);
      endHijackedSpan(request, status);
      if (!accessLog.enabled) return;
      accessLog.write({
        method: request.method,
        route,
        status,
        durationMs: Math.round(seconds * 1e4) / 10,
        bytes: (socket?.bytesWritten ?? bytesBefore) - bytesBefore,
        trace,
      });
    });
    done();
  });
}

/** The ids of the request's span, when tracing is on. */
function requestTraceIds(request: FastifyRequest): TraceIds | undefined {
  const span = requestSpan(request);
  if (!span) return undefined;
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

/**
 * A hijacked response (SSE, WebSocket) never reaches Fastify's onResponse, where tracing ends the
 * request's span: it ends here, with the status, when the stream closes.
 */
function endHijackedSpan(request: FastifyRequest, status: number): void {
  const span = requestSpan(request);
  if (!span?.isRecording()) return;
  span.setAttribute('http.response.status_code', status);
  span.end();
}

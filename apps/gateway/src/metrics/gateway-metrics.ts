import { Injectable } from '@nestjs/common';
import { GrpcClientMetrics } from '@quartet/grpc-client';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

type HttpLabels = 'method' | 'route' | 'status';

/**
 * The gateway's Prometheus registry: HTTP requests by route and status, every outgoing
 * gRPC call by method and code, the streams open now, and the process's own figures
 * (memory, event-loop lag). One registry per gateway, so that tests can run several.
 */
@Injectable()
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly grpc = new GrpcClientMetrics(this.registry);
  private readonly requests = new Counter<HttpLabels>({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by route pattern and status; a WebSocket counts when it closes.',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  private readonly seconds = new Histogram<HttpLabels>({
    name: 'http_request_duration_seconds',
    help: 'Seconds from a request to the end of its response (of the whole stream for SSE and WebSocket).',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
    registers: [this.registry],
  });
  readonly openStreams = new Gauge<'route'>({
    name: 'gateway_open_streams',
    help: 'SSE and WebSocket streams open now, by route.',
    labelNames: ['route'],
    registers: [this.registry],
  });
  readonly pausedForClient = new Counter<'route'>({
    name: 'gateway_stream_pauses_total',
    help: 'Times a backend stream was paused because the HTTP client read too slowly.',
    labelNames: ['route'],
    registers: [this.registry],
  });

  private readonly refusals = new Counter<'limit'>({
    name: 'gateway_limit_refusals_total',
    help: 'Requests, streams and connections refused or ended because they went past a limit, by limit.',
    labelNames: ['limit'],
    registers: [this.registry],
  });
  /** 1 while the limits' Redis answers, 0 while limits count per process; set by SharedState. */
  sharedStateUp: () => number = () => 0;
  private readonly sharedStateUpGauge: Gauge = new Gauge({
    name: 'gateway_shared_state_up',
    help: 'Whether the Redis shared by the gateway replicas for their limits answers (1) or not (0).',
    registers: [this.registry],
    collect: (): void => this.sharedStateUpGauge.set(this.sharedStateUp()),
  });
  private readonly sharedStateFallbacks = new Counter<'limit'>({
    name: 'gateway_shared_state_fallbacks_total',
    help: 'Times a limit was counted in this process alone because its Redis could not be reached, by limit.',
    labelNames: ['limit'],
    registers: [this.registry],
  });
  readonly unexpectedErrors = new Counter({
    name: 'process_unexpected_errors_total',
    help: 'Errors no request handled (logged; the gateway went on serving).',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  refused(limit: string): void {
    this.refusals.inc({ limit });
  }

  sharedStateFallback(limit: string): void {
    this.sharedStateFallbacks.inc({ limit });
  }

  recordRequest(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.requests.inc(labels);
    this.seconds.observe(labels, seconds);
  }
}

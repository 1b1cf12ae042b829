import { FastifyOtelInstrumentation } from '@fastify/otel';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface TracingOptions {
  /** The service's name in its spans, unless OTEL_SERVICE_NAME names it. */
  readonly serviceName: string;
  /** Whether the process serves HTTP with Fastify (the gateway): its requests get spans too. */
  readonly fastify?: boolean;
  /** Where spans go instead of the OTLP exporter the OTEL_* variables describe (tests). */
  readonly spanProcessors?: SpanProcessor[];
}

export interface Tracing {
  /** Whether spans are recorded and exported; false costs the process nothing per call. */
  readonly enabled: boolean;
  /** Exports what is still buffered and stops; the process should exit after it. */
  shutdown(): Promise<void>;
}

const DISABLED: Tracing = { enabled: false, shutdown: () => Promise.resolve() };
let current: Tracing = DISABLED;

/**
 * Whether the OTEL_* variables ask for traces: an OTLP endpoint, or an exporter named in
 * OTEL_TRACES_EXPORTER (`otlp`, `console`), and OTEL_SDK_DISABLED not `true`. With none of
 * them nothing is instrumented, so that a process nobody traces pays nothing per call.
 */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env['OTEL_SDK_DISABLED']?.trim().toLowerCase() === 'true') return false;
  const exporters = (env['OTEL_TRACES_EXPORTER'] ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (exporters.includes('none')) return false;
  return (
    exporters.length > 0 ||
    Boolean(env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim()) ||
    Boolean(env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']?.trim())
  );
}

/**
 * Starts OpenTelemetry tracing for this process when it is asked for (see tracingRequested),
 * or when `spanProcessors` are given. It must run before @grpc/grpc-js or Fastify is loaded:
 * each app's `instrument.ts` is the first import of its main.ts, and both stay external to
 * the bundle, since the instrumentations patch modules as Node loads them. The standard
 * variables apply: OTEL_EXPORTER_OTLP_ENDPOINT and _PROTOCOL (`http/protobuf`, `http/json`,
 * `grpc`), OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER, OTEL_BSP_*.
 * W3C `traceparent` travels in gRPC metadata and HTTP headers. Only traces: metrics are
 * Prometheus's (METRICS_PORT) and logs are the process's JSON lines.
 */
export function startTracing(options: TracingOptions, env: NodeJS.ProcessEnv = process.env): Tracing {
  if (current.enabled) return current;
  if (!options.spanProcessors && !tracingRequested(env)) return DISABLED;
  const sdk = new NodeSDK({
    serviceName: env['OTEL_SERVICE_NAME'] || options.serviceName,
    instrumentations: [new GrpcInstrumentation(), ...(options.fastify ? [fastifyInstrumentation()] : [])],
    ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}),
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  let stopped: Promise<void> | undefined;
  current = {
    enabled: true,
    shutdown: () => (stopped ??= sdk.shutdown().finally(() => (current = DISABLED))),
  };
  return current;
}

/**
 * A span per HTTP request, named `GET /api/hello` after its route as the semantic conventions
 * name server spans, with the handler's span under it; none for the probes, and none per
 * Fastify hook (a dozen spans for each request would cost more than the request).
 */
function fastifyInstrumentation(): FastifyOtelInstrumentation {
  return new FastifyOtelInstrumentation({
    registerOnInitialization: true,
    instrumentHooks: false,
    ignorePaths: ({ url }) => PROBES.has(url),
    requestHook: (span, request) =>
      span.updateName(`${request.method} ${request.routeOptions.url ?? request.url}`),
  });
}

const PROBES = new Set(['/healthz', '/readyz']);

/** Whether this process records and exports spans, for its `listening` log line. */
export function tracingOn(): boolean {
  return current.enabled;
}

/** Flushes and stops this process's tracing, if it was started: call it before exiting. */
export function stopTracing(): Promise<void> {
  return current.shutdown();
}

export {
  startTracing,
  stopTracing,
  tracingOn,
  tracingRequested,
  type Tracing,
  type TracingOptions,
} from './lib/tracing';
export { activeTraceIds, type TraceIds } from './lib/trace-ids';
export { inChildSpan } from './lib/child-span';
export { TracedConsoleLogger } from './lib/traced-console-logger';
export { serveMetrics, type MetricsListener, type MetricsSource } from './lib/metrics-listener';
export { GrpcCallMetrics, type MethodMetrics } from './lib/grpc-call-metrics';

import { isSpanContextValid, trace } from '@opentelemetry/api';

/** The ids a log line carries to join its trace. */
export interface TraceIds {
  readonly trace_id: string;
  readonly span_id: string;
}

/** The active span's ids, when a traced call is being handled; undefined otherwise. */
export function activeTraceIds(): TraceIds | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  if (!context || !isSpanContextValid(context)) return undefined;
  return { trace_id: context.traceId, span_id: context.spanId };
}

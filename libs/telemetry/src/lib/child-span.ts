import { type Attributes, type Context, type Span, SpanStatusCode, context, trace } from '@opentelemetry/api';

const tracer = trace.getTracer('quartet');

/**
 * Runs `work` in a span of its own under `parent`: one step of a long call (a chat post, a
 * join) as a child of the call's span, so that an hour-long stream is not one opaque span.
 * A rejection marks the span as an error and is passed on. Without tracing started the span
 * is a no-op and this costs a function call.
 */
export async function inChildSpan<T>(
  name: string,
  parent: Context,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const span = tracer.startSpan(name, { attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
    throw error;
  } finally {
    span.end();
  }
}

import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { activeTraceIds, type TraceIds } from './trace-ids';

type JsonLogOptions = Parameters<ConsoleLogger['getJsonLogObject']>[1];

/**
 * NestJS's console logger, with `trace_id` and `span_id` on every line written while a traced
 * call is handled, so that a line found in the logs leads to its trace and back: top-level
 * fields in JSON (as log backends expect them), `trace_id=…` at the end of a text line. A
 * message that names its own `trace_id` and `span_id` (a line written after its request's
 * span, such as an access log) keeps those, lifted to the top.
 */
export class TracedConsoleLogger extends ConsoleLogger {
  protected override getJsonLogObject(message: unknown, options: JsonLogOptions) {
    const named = namedTraceIds(message);
    if (named) {
      const { trace_id: _trace, span_id: _span, ...rest } = message as TraceIds;
      return { ...super.getJsonLogObject(rest, options), ...named };
    }
    const ids = activeTraceIds();
    const line = super.getJsonLogObject(message, options);
    return ids ? { ...line, ...ids } : line;
  }

  protected override formatMessage(
    logLevel: LogLevel,
    message: unknown,
    pidMessage: string,
    formattedLogLevel: string,
    contextMessage: string,
    timestampDiff: string,
    params?: Record<string, unknown>,
  ): string {
    const text = super.formatMessage(
      logLevel,
      message,
      pidMessage,
      formattedLogLevel,
      contextMessage,
      timestampDiff,
      params,
    );
    const ids = namedTraceIds(message) ?? activeTraceIds();
    return ids ? `${text.trimEnd()} trace_id=${ids.trace_id} span_id=${ids.span_id}\n` : text;
  }
}

function namedTraceIds(message: unknown): TraceIds | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { trace_id, span_id } = message as Partial<TraceIds>;
  return typeof trace_id === 'string' && typeof span_id === 'string' ? { trace_id, span_id } : undefined;
}

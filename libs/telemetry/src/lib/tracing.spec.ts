import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { inChildSpan } from './child-span';
import { TracedConsoleLogger } from './traced-console-logger';
import { startTracing, stopTracing, tracingOn, tracingRequested } from './tracing';

describe(tracingRequested.name, () => {
  it.each([
    [{}, false],
    [{ OTEL_SERVICE_NAME: 'greeter' }, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, true],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, true],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }, false],
    [{ OTEL_TRACES_EXPORTER: 'console' }, true],
    [{ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, false],
    [{ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, false],
    [{ OTEL_SDK_DISABLED: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, true],
  ])('%j → %s', (env, requested) => {
    expect(tracingRequested(env)).toBe(requested);
  });
});

describe('tracing in this process (spans to memory)', () => {
  const exporter = new InMemorySpanExporter();
  // Exports wait for the resource's detectors: flush before reading what was exported.
  const processor = new SimpleSpanProcessor(exporter);
  const tracer = trace.getTracer('test');

  beforeAll(() => {
    expect(startTracing({ serviceName: 'test' }, {}).enabled).toBe(false);
    expect(tracingOn()).toBe(false);
    startTracing({ serviceName: 'test', spanProcessors: [processor] }, {});
  });
  afterAll(() => stopTracing());
  afterEach(() => exporter.reset());

  it('is on once started with somewhere to send spans', () => {
    expect(tracingOn()).toBe(true);
  });

  describe(inChildSpan.name, () => {
    it('runs the work in a child of the parent context, with the attributes, and ends it', async () => {
      const parent = tracer.startSpan('call');
      const parentContext = trace.setSpan(context.active(), parent);
      const seen = await inChildSpan('chat.post', parentContext, { 'chat.room': 'r' }, async (span) => {
        span.setAttribute('chat.fan_out', 3);
        return trace.getActiveSpan()?.spanContext().spanId;
      });
      parent.end();
      await processor.forceFlush();
      const [child] = exporter.getFinishedSpans().filter((span) => span.name === 'chat.post');
      expect(child?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
      expect(child?.spanContext().traceId).toBe(parent.spanContext().traceId);
      expect(child?.attributes).toEqual({ 'chat.room': 'r', 'chat.fan_out': 3 });
      expect(seen).toBe(child?.spanContext().spanId);
    });

    it('marks the span as an error and passes the rejection on', async () => {
      await expect(
        inChildSpan('chat.post', context.active(), {}, () => Promise.reject(new Error('the store is away'))),
      ).rejects.toThrow('the store is away');
      await processor.forceFlush();
      const [span] = exporter.getFinishedSpans();
      expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'the store is away' });
    });
  });

  describe(TracedConsoleLogger.name, () => {
    let written: string[];
    let write: jest.SpyInstance;
    beforeEach(() => {
      written = [];
      write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
        written.push(String(chunk));
        return true;
      });
    });
    afterEach(() => write.mockRestore());

    const json = new TracedConsoleLogger({ json: true });

    it('puts the active span’s trace_id and span_id on a JSON line', () => {
      const span = tracer.startSpan('call');
      context.with(trace.setSpan(context.active(), span), () => json.log({ event: 'call' }, 'calls'));
      span.end();
      expect(JSON.parse(written[0] ?? '')).toMatchObject({
        message: { event: 'call' },
        context: 'calls',
        trace_id: span.spanContext().traceId,
        span_id: span.spanContext().spanId,
      });
    });

    it('writes no ids outside a span', () => {
      json.log('starting');
      expect(JSON.parse(written[0] ?? '')).not.toHaveProperty('trace_id');
    });

    it('lifts ids a message names itself (a line written after its span) to the top', () => {
      const ids = { trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16) };
      json.log({ event: 'http-request', status: 200, ...ids }, 'access');
      expect(JSON.parse(written[0] ?? '')).toMatchObject({
        message: { event: 'http-request', status: 200 },
        ...ids,
      });
      expect(JSON.parse(written[0] ?? '').message).not.toHaveProperty('trace_id');
    });

    it('ends a text line with the ids', () => {
      const text = new TracedConsoleLogger({ colors: false });
      const span = tracer.startSpan('call');
      context.with(trace.setSpan(context.active(), span), () => text.log('served'));
      span.end();
      expect(written[0]).toMatch(
        new RegExp(`served trace_id=${span.spanContext().traceId} span_id=${span.spanContext().spanId}\\n$`),
      );
    });
  });
});

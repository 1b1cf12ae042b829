import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

type AnyValue = {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
};

/** One span as an OTLP/HTTP JSON export carried it, flattened for assertions. */
export interface ReceivedSpan {
  readonly service: string;
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  /** '' for a root span. */
  readonly parentSpanId: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client. */
  readonly kind: number;
  /** OTLP's status code: 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
  readonly attributes: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly events: readonly string[];
}

/**
 * A small OTLP/HTTP JSON receiver (POST /v1/traces), as a collector would be, on an ephemeral
 * loopback port: the processes under test export to it, and the test reads what arrived.
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  /** Requests that were not OTLP JSON traces, kept so that a test can show them. */
  readonly rejected: string[] = [];

  /** `http://127.0.0.1:<port>`: what OTEL_EXPORTER_OTLP_ENDPOINT is set to. */
  endpoint = '';
  private readonly server: Server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const accepted =
        request.method === 'POST' &&
        request.url === '/v1/traces' &&
        request.headers['content-type'] === 'application/json';
      if (accepted) this.accept(body);
      else this.rejected.push(`${request.method} ${request.url} ${request.headers['content-type']}`);
      response.writeHead(accepted ? 200 : 415, { 'content-type': 'application/json' });
      response.end('{}');
    });
  });

  static async start(): Promise<OtlpReceiver> {
    const receiver = new OtlpReceiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    receiver.endpoint = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}`;
    return receiver;
  }

  /** The spans of one trace. */
  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((span) => span.traceId === traceId);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(body: string): void {
    const request = JSON.parse(body) as {
      resourceSpans: {
        resource: { attributes: { key: string; value: AnyValue }[] };
        scopeSpans: {
          spans: {
            name: string;
            traceId: string;
            spanId: string;
            parentSpanId?: string;
            kind: number;
            status?: { code?: number };
            attributes?: { key: string; value: AnyValue }[];
            events?: { name: string }[];
          }[];
        }[];
      }[];
    };
    for (const resourceSpans of request.resourceSpans) {
      const service = String(valueOf(resourceSpans.resource.attributes, 'service.name'));
      for (const { spans } of resourceSpans.scopeSpans) {
        for (const span of spans) {
          this.spans.push({
            service,
            name: span.name,
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId ?? '',
            kind: span.kind,
            statusCode: span.status?.code ?? 0,
            attributes: Object.fromEntries(
              (span.attributes ?? []).map(({ key }) => [key, valueOf(span.attributes ?? [], key)]),
            ),
            events: (span.events ?? []).map((event) => event.name),
          });
        }
      }
    }
  }
}

function valueOf(attributes: { key: string; value: AnyValue }[], key: string) {
  const value = attributes.find((attribute) => attribute.key === key)?.value;
  if (!value) return undefined;
  if (value.intValue !== undefined) return Number(value.intValue);
  return value.stringValue ?? value.boolValue ?? value.doubleValue;
}

import type { ServerMethodDefinition, status } from '@grpc/grpc-js';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { GRPC_CODE_NAMES } from './grpc-code-names';

/** The limits a service enforces, by the name its refusals are counted under. */
export type LimitName = 'metadata_size' | 'call_idle' | 'max_call';

type MethodLabels = 'grpc_type' | 'grpc_service' | 'grpc_method';

const METHOD_LABELS: MethodLabels[] = ['grpc_type', 'grpc_service', 'grpc_method'];

/** What one method's calls have done so far; the interceptor counts into it. */
export interface MethodMetrics {
  started: number;
  received: number;
  sent: number;
  /** The call ended with `code` after `seconds`. */
  recordHandled(code: status, seconds: number): void;
}

interface MethodFigures extends MethodMetrics {
  readonly labels: Record<MethodLabels, string>;
  readonly handled: Map<status, number>;
}

/**
 * A service's own Prometheus registry: every call by method in go-grpc-prometheus's names
 * (`grpc_server_started_total`, `_handled_total`, `_handling_seconds`, `_msg_received_total`,
 * `_msg_sent_total`, with its `grpc_type`/`grpc_service`/`grpc_method`/`grpc_code` labels),
 * the refusals of every limit, errors that reached the process instead of a call, and
 * Node's process metrics. The service's own figures register here too. One registry per
 * service, so that tests can run several in one process.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  private readonly refusals = new Counter<'limit'>({
    name: 'grpc_server_limit_refusals_total',
    help: 'Calls ended or refused because they went past a limit, by limit.',
    labelNames: ['limit'],
    registers: [this.registry],
  });
  private readonly unexpected = new Counter({
    name: 'process_unexpected_errors_total',
    help: 'Errors no call handled (logged; the process went on serving).',
    registers: [this.registry],
  });
  private readonly methods = new Map<string, MethodFigures>();
  private readonly handlingSeconds = new Histogram<MethodLabels>({
    name: 'grpc_server_handling_seconds',
    help: 'Seconds from the start of an RPC to its status, streams included.',
    labelNames: METHOD_LABELS,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60, 300, 3600],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // Calls and messages are counted in plain numbers and handed to Prometheus when it
    // scrapes: a labelled prom-client increment hashes its labels every time, too much for
    // every message of a stream.
    this.methodCounter('grpc_server_started_total', 'RPCs started on the server.', (m) => m.started);
    this.methodCounter(
      'grpc_server_msg_received_total',
      'RPC stream messages received on the server.',
      (m) => m.received,
    );
    this.methodCounter(
      'grpc_server_msg_sent_total',
      'gRPC stream messages sent by the server.',
      (m) => m.sent,
    );
    const methods = this.methods;
    new Counter<MethodLabels | 'grpc_code'>({
      name: 'grpc_server_handled_total',
      help: 'RPCs completed on the server, regardless of success or failure.',
      labelNames: [...METHOD_LABELS, 'grpc_code'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const method of methods.values()) {
          for (const [code, count] of method.handled) {
            this.inc({ ...method.labels, grpc_code: GRPC_CODE_NAMES[code] ?? String(code) }, count);
          }
        }
      },
    });
  }

  /** The figures of one method, made the first time it is called. */
  method(definition: ServerMethodDefinition<unknown, unknown>): MethodMetrics {
    const known = this.methods.get(definition.path);
    if (known) return known;
    const slash = definition.path.lastIndexOf('/');
    const labels = {
      grpc_type: grpcType(definition),
      grpc_service: definition.path.slice(1, slash),
      grpc_method: definition.path.slice(slash + 1),
    };
    const seconds = this.handlingSeconds.labels(labels);
    const figures: MethodFigures = {
      labels,
      started: 0,
      received: 0,
      sent: 0,
      handled: new Map(),
      recordHandled: (code, elapsed) => {
        figures.handled.set(code, (figures.handled.get(code) ?? 0) + 1);
        seconds.observe(elapsed);
      },
    };
    this.methods.set(definition.path, figures);
    return figures;
  }

  refused(limit: LimitName): void {
    this.refusals.inc({ limit });
  }

  unexpectedError(): void {
    this.unexpected.inc();
  }

  /** How many refusals a limit has counted, for tests and logs. */
  async refusalsOf(limit: LimitName): Promise<number> {
    const { values } = await this.refusals.get();
    return values.find((value) => value.labels.limit === limit)?.value ?? 0;
  }

  /** A counter per method whose value is `figure` of the method's figures when scraped. */
  private methodCounter(name: string, help: string, figure: (method: MethodFigures) => number): void {
    const methods = this.methods;
    new Counter<MethodLabels>({
      name,
      help,
      labelNames: METHOD_LABELS,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const method of methods.values()) this.inc(method.labels, figure(method));
      },
    });
  }
}

/** go-grpc-prometheus's names for the four call styles. */
function grpcType({ requestStream, responseStream }: ServerMethodDefinition<unknown, unknown>): string {
  if (requestStream) return responseStream ? 'bidi_stream' : 'client_stream';
  return responseStream ? 'server_stream' : 'unary';
}

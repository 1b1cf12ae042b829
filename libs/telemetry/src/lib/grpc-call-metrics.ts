import type { status } from '@grpc/grpc-js';
import { Counter, Histogram, type Registry } from 'prom-client';
import { GRPC_CODE_NAMES } from './grpc-code-names';

type MethodLabels = 'grpc_type' | 'grpc_service' | 'grpc_method';

const METHOD_LABELS: MethodLabels[] = ['grpc_type', 'grpc_service', 'grpc_method'];

/** What one method's calls have done so far; an interceptor counts into it. */
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

/** Whether a method's requests and responses are streams, as grpc-js's method definitions say. */
export interface MethodShape {
  readonly path: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
}

export type GrpcSide = 'server' | 'client';

/** Seconds to a call's status: a unary call's milliseconds up to a stream's hour. */
const HANDLING_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600];

/** go-grpc-prometheus's help texts, by side. */
const HELP: Record<GrpcSide, Record<'started' | 'handled' | 'seconds' | 'received' | 'sent', string>> = {
  server: {
    started: 'RPCs started on the server.',
    handled: 'RPCs completed on the server, regardless of success or failure.',
    seconds: 'Seconds from the start of an RPC to its status, streams included.',
    received: 'RPC stream messages received on the server.',
    sent: 'gRPC stream messages sent by the server.',
  },
  client: {
    started: 'RPCs started on the client.',
    handled: 'RPCs completed by the client, regardless of success or failure.',
    seconds: 'Seconds from the start of an RPC to its status, streams included.',
    received: 'RPC stream messages received by the client.',
    sent: 'gRPC stream messages sent by the client.',
  },
};

/**
 * The calls of one side, server or client, by method in go-grpc-prometheus's names
 * (`grpc_<side>_started_total`, `_handled_total`, `_handling_seconds`, `_msg_received_total`,
 * `_msg_sent_total`; labels `grpc_type`, `grpc_service`, `grpc_method`, `grpc_code` as Go spells
 * it), so that dashboards written for Go services fit. Calls and messages are counted in plain
 * numbers and handed to Prometheus when it scrapes: a labelled prom-client increment hashes its
 * labels every time, too much for every message of a stream.
 */
export class GrpcCallMetrics {
  private readonly methods = new Map<string, MethodFigures>();
  private readonly handlingSeconds: Histogram<MethodLabels>;

  constructor(registry: Registry, side: GrpcSide) {
    const help = HELP[side];
    const registers = [registry];
    this.handlingSeconds = new Histogram<MethodLabels>({
      name: `grpc_${side}_handling_seconds`,
      help: help.seconds,
      labelNames: METHOD_LABELS,
      buckets: HANDLING_BUCKETS,
      registers,
    });
    const methods = this.methods;
    const methodCounter = (name: string, text: string, figure: (method: MethodFigures) => number) =>
      new Counter<MethodLabels>({
        name: `grpc_${side}_${name}`,
        help: text,
        labelNames: METHOD_LABELS,
        registers,
        collect() {
          this.reset();
          for (const method of methods.values()) this.inc(method.labels, figure(method));
        },
      });
    methodCounter('started_total', help.started, (m) => m.started);
    methodCounter('msg_received_total', help.received, (m) => m.received);
    methodCounter('msg_sent_total', help.sent, (m) => m.sent);
    new Counter<MethodLabels | 'grpc_code'>({
      name: `grpc_${side}_handled_total`,
      help: help.handled,
      labelNames: [...METHOD_LABELS, 'grpc_code'],
      registers,
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
  method(shape: MethodShape): MethodMetrics {
    const known = this.methods.get(shape.path);
    if (known) return known;
    const slash = shape.path.lastIndexOf('/');
    const labels = {
      grpc_type: grpcType(shape),
      grpc_service: shape.path.slice(1, slash),
      grpc_method: shape.path.slice(slash + 1),
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
    this.methods.set(shape.path, figures);
    return figures;
  }
}

/** go-grpc-prometheus's names for the four call styles. */
function grpcType({ requestStream, responseStream }: MethodShape): string {
  if (requestStream) return responseStream ? 'bidi_stream' : 'client_stream';
  return responseStream ? 'server_stream' : 'unary';
}

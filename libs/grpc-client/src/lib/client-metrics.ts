import { InterceptingCall, type Interceptor, status } from '@grpc/grpc-js';
import { Counter, Histogram, type Registry } from 'prom-client';

type CallType = 'unary' | 'server_stream' | 'client_stream' | 'bidi_stream';

/**
 * Prometheus metrics of every outgoing gRPC call, named as in go-grpc-prometheus so that
 * existing dashboards fit: calls started and handled (by status code), time to the
 * status, and messages each way. Install `interceptor` on a client or channel.
 */
export class GrpcClientMetrics {
  private readonly started: Counter<'grpc_service' | 'grpc_method' | 'grpc_type'>;
  private readonly handled: Counter<'grpc_service' | 'grpc_method' | 'grpc_type' | 'grpc_code'>;
  private readonly seconds: Histogram<'grpc_service' | 'grpc_method' | 'grpc_type' | 'grpc_code'>;
  private readonly received: Counter<'grpc_service' | 'grpc_method' | 'grpc_type'>;
  private readonly sent: Counter<'grpc_service' | 'grpc_method' | 'grpc_type'>;

  constructor(registry: Registry) {
    const registers = [registry];
    const callLabels = ['grpc_service', 'grpc_method', 'grpc_type'] as const;
    this.started = new Counter({
      name: 'grpc_client_started_total',
      help: 'gRPC calls started by this client.',
      labelNames: callLabels,
      registers,
    });
    this.handled = new Counter({
      name: 'grpc_client_handled_total',
      help: 'gRPC calls that ended, by status code.',
      labelNames: [...callLabels, 'grpc_code'],
      registers,
    });
    this.seconds = new Histogram({
      name: 'grpc_client_handling_seconds',
      help: 'Seconds from the start of a gRPC call to its status.',
      labelNames: [...callLabels, 'grpc_code'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
      registers,
    });
    this.received = new Counter({
      name: 'grpc_client_msg_received_total',
      help: 'Messages received from servers.',
      labelNames: callLabels,
      registers,
    });
    this.sent = new Counter({
      name: 'grpc_client_msg_sent_total',
      help: 'Messages sent to servers.',
      labelNames: callLabels,
      registers,
    });
  }

  readonly interceptor: Interceptor = (options, nextCall) => {
    const definition = options.method_definition;
    const [, service = '', method = ''] = definition.path.split('/');
    const labels = { grpc_service: service, grpc_method: method, grpc_type: callType(definition) };
    const begun = performance.now();
    this.started.inc(labels);
    return new InterceptingCall(nextCall(options), {
      start: (metadata, _listener, next) =>
        next(metadata, {
          onReceiveMessage: (message, nextMessage) => {
            // grpc-js hands a unary call that failed a null message before its status.
            if (message !== null) this.received.inc(labels);
            nextMessage(message);
          },
          onReceiveStatus: (outcome, nextStatus) => {
            const ended = { ...labels, grpc_code: status[outcome.code] ?? String(outcome.code) };
            this.handled.inc(ended);
            this.seconds.observe(ended, (performance.now() - begun) / 1000);
            nextStatus(outcome);
          },
        }),
      sendMessage: (message, next) => {
        this.sent.inc(labels);
        next(message);
      },
    });
  };
}

function callType({
  requestStream,
  responseStream,
}: {
  requestStream: boolean;
  responseStream: boolean;
}): CallType {
  if (requestStream) return responseStream ? 'bidi_stream' : 'client_stream';
  return responseStream ? 'server_stream' : 'unary';
}

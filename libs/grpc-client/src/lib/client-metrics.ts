import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import { GrpcCallMetrics } from '@quartet/telemetry';
import type { Registry } from 'prom-client';

/**
 * Prometheus metrics of every outgoing gRPC call, named as in go-grpc-prometheus so that
 * existing dashboards fit: calls started and handled (by status code), time to the
 * status, and messages each way. Install `interceptor` on a client or channel.
 */
export class GrpcClientMetrics {
  private readonly calls: GrpcCallMetrics;

  constructor(registry: Registry) {
    this.calls = new GrpcCallMetrics(registry, 'client');
  }

  readonly interceptor: Interceptor = (options, nextCall) => {
    const counted = this.calls.method(options.method_definition);
    const begun = performance.now();
    counted.started += 1;
    return new InterceptingCall(nextCall(options), {
      start: (metadata, _listener, next) =>
        next(metadata, {
          onReceiveMessage: (message, nextMessage) => {
            // grpc-js hands a unary call that failed a null message before its status.
            if (message !== null) counted.received += 1;
            nextMessage(message);
          },
          onReceiveStatus: (outcome, nextStatus) => {
            counted.recordHandled(outcome.code, (performance.now() - begun) / 1000);
            nextStatus(outcome);
          },
        }),
      sendMessage: (message, next) => {
        counted.sent += 1;
        next(message);
      },
    });
  };
}

import { status } from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { GrpcCallMetrics } from './grpc-call-metrics';

const WATCH = { path: '/ticker.v1.TickerService/Watch', requestStream: false, responseStream: true };
const CHAT = { path: '/chat.v1.ChatService/Chat', requestStream: true, responseStream: true };

describe(GrpcCallMetrics.name, () => {
  it('hands the plain counts to Prometheus when scraped, the same on every scrape', async () => {
    const registry = new Registry();
    const sut = new GrpcCallMetrics(registry, 'client');
    const watch = sut.method(WATCH);
    watch.started += 2;
    watch.received += 5;
    watch.recordHandled(status.OK, 0.05);
    watch.recordHandled(status.UNAVAILABLE, 2);
    sut.method(CHAT).sent += 3;

    const first = await registry.metrics();
    expect(await registry.metrics()).toBe(first);
    const watchLabels =
      'grpc_type="server_stream",grpc_service="ticker.v1.TickerService",grpc_method="Watch"';
    expect(first).toContain(`grpc_client_started_total{${watchLabels}} 2`);
    expect(first).toContain(`grpc_client_msg_received_total{${watchLabels}} 5`);
    expect(first).toContain(`grpc_client_handled_total{${watchLabels},grpc_code="OK"} 1`);
    expect(first).toContain(`grpc_client_handled_total{${watchLabels},grpc_code="Unavailable"} 1`);
    expect(first).toContain(`grpc_client_handling_seconds_bucket{le="0.1",${watchLabels}} 1`);
    expect(first).toContain(`grpc_client_handling_seconds_count{${watchLabels}} 2`);
    expect(first).toContain(
      'grpc_client_msg_sent_total{grpc_type="bidi_stream",grpc_service="chat.v1.ChatService",grpc_method="Chat"} 3',
    );
  });

  it('gives one method the same figures each time it is asked for', () => {
    const sut = new GrpcCallMetrics(new Registry(), 'server');
    expect(sut.method(WATCH)).toBe(sut.method({ ...WATCH }));
  });
});

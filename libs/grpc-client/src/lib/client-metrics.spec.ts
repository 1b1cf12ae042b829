import { credentials, Metadata } from '@grpc/grpc-js';
import { GreeterDefinition, grpcClientConstructor } from '@quartet/proto';
import { Registry } from 'prom-client';
import { GrpcClientMetrics } from './client-metrics';
import { type Replica, replica } from './greeter-replica.spec-helper';

describe(GrpcClientMetrics.name, () => {
  let server: Replica;

  beforeAll(async () => {
    server = await replica('metrics');
  });

  afterAll(() => server.server.forceShutdown());

  it('counts calls by status code as Go spells it, times them and counts messages each way', async () => {
    const registry = new Registry();
    const metrics = new GrpcClientMetrics(registry);
    const Greeter = grpcClientConstructor(GreeterDefinition);
    const greeter = new Greeter(server.address, credentials.createInsecure(), {
      interceptors: [metrics.interceptor],
    });
    const say = (name: string) =>
      new Promise<void>((resolve) => greeter.sayHello({ name }, new Metadata(), {}, () => resolve()));
    try {
      await say('a');
      await say('b');
      await say('');
    } finally {
      greeter.close();
    }

    const text = await registry.metrics();
    const labels = 'grpc_type="unary",grpc_service="helloworld.Greeter",grpc_method="SayHello"';
    expect(text).toContain(`grpc_client_started_total{${labels}} 3`);
    expect(text).toContain(`grpc_client_handled_total{${labels},grpc_code="OK"} 2`);
    expect(text).toContain(`grpc_client_handled_total{${labels},grpc_code="InvalidArgument"} 1`);
    expect(text).toContain(`grpc_client_handling_seconds_count{${labels}} 3`);
    expect(text).toContain(`grpc_client_msg_sent_total{${labels}} 3`);
    expect(text).toContain(`grpc_client_msg_received_total{${labels}} 2`);
  });
});

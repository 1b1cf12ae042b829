import {
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  type sendUnaryData,
  type ServerUnaryCall,
  status,
} from '@grpc/grpc-js';
import {
  GreeterDefinition,
  grpcClientConstructor,
  grpcServiceDefinition,
  type HelloReply,
  type HelloRequest,
} from '@quartet/proto';
import { Registry } from 'prom-client';
import { GrpcClientMetrics } from './client-metrics';

describe(GrpcClientMetrics.name, () => {
  let server: Server;
  let address: string;

  beforeAll(async () => {
    server = new Server();
    server.addService(grpcServiceDefinition(GreeterDefinition), {
      SayHello: (call: ServerUnaryCall<HelloRequest, HelloReply>, callback: sendUnaryData<HelloReply>) =>
        call.request.name
          ? callback(null, { message: `Hello ${call.request.name}` })
          : callback({ code: status.INVALID_ARGUMENT, details: 'name must not be empty' }),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    address = `127.0.0.1:${port}`;
  });

  afterAll(() => server.forceShutdown());

  it('counts calls by status code, times them and counts messages each way', async () => {
    const registry = new Registry();
    const metrics = new GrpcClientMetrics(registry);
    const Greeter = grpcClientConstructor(GreeterDefinition);
    const greeter = new Greeter(address, credentials.createInsecure(), {
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
    const labels = 'grpc_service="helloworld.Greeter",grpc_method="SayHello",grpc_type="unary"';
    expect(text).toContain(`grpc_client_started_total{${labels}} 3`);
    expect(text).toContain(`grpc_client_handled_total{${labels},grpc_code="OK"} 2`);
    expect(text).toContain(`grpc_client_handled_total{${labels},grpc_code="INVALID_ARGUMENT"} 1`);
    expect(text).toContain(`grpc_client_handling_seconds_count{${labels},grpc_code="OK"} 2`);
    expect(text).toContain(`grpc_client_msg_sent_total{${labels}} 3`);
    expect(text).toContain(`grpc_client_msg_received_total{${labels}} 2`);
  });
});

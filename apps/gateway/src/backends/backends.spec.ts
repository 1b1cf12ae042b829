import { Metadata, Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import {
  GreeterDefinition,
  type HelloReply,
  type HelloRequest,
  grpcServiceDefinition,
  TickerServiceDefinition,
} from '@quartet/proto';
import { gatewayBackends, targetVariable } from '@quartet/service-catalogue';
import { loadConfig } from '../config';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { Backends } from './backends';

describe(Backends.name, () => {
  let server: Server;
  let greeterTarget: string;
  let backends: Backends;

  beforeAll(async () => {
    server = new Server();
    server.addService(grpcServiceDefinition(GreeterDefinition), {
      SayHello: (call: ServerUnaryCall<HelloRequest, HelloReply>, done: sendUnaryData<HelloReply>) =>
        done(null, { message: `Hello ${call.request.name}` }),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    greeterTarget = `127.0.0.1:${port}`;
    // The other backends point at the greeter's port, where nothing serves their contracts.
    const targets = Object.fromEntries(gatewayBackends().map((app) => [targetVariable(app), greeterTarget]));
    backends = new Backends(loadConfig(targets), new GatewayMetrics());
  });

  afterAll(async () => {
    backends.onApplicationShutdown();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  });

  it('gives a client typed by the generated definition, calling the catalogue target', async () => {
    const greeter = backends.client(GreeterDefinition);
    const reply = await new Promise<HelloReply>((resolve, reject) =>
      greeter.sayHello({ name: 'quartet' }, new Metadata(), {}, (error, answer) =>
        error || !answer ? reject(error) : resolve(answer),
      ),
    );
    expect(reply.message).toBe('Hello quartet');
    expect(backends.client(TickerServiceDefinition)).not.toBe(greeter);
  });

  it('refuses a service the catalogue does not say the gateway calls', () => {
    const elsewhere = { ...GreeterDefinition, fullName: 'elsewhere.v1.Greeter' };
    expect(() => backends.client(elsewhere)).toThrow(
      'the gateway does not call elsewhere.v1.Greeter: its catalogue entry has no targetVariable',
    );
  });

  it('reports the readiness of every backend, by its app', async () => {
    const readiness = await backends.readiness(1_000);
    expect(Object.keys(readiness).sort()).toEqual([...gatewayBackends()].sort());
    // The greeter's server has no grpc.health.v1 service.
    expect(readiness['greeter']).toBe('unknown: what answers there has no grpc.health.v1 service');
  });
});

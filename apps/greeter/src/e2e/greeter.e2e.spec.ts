import { Metadata, status } from '@grpc/grpc-js';
import { healthClient } from '@quartet/grpc-client';
import { type RunningGrpcService, startGrpcService } from '@quartet/grpc-server';
import {
  connect,
  deadlineIn,
  listServicesByReflection,
  outcomeOf,
  readAll,
  testServerConfig,
} from '@quartet/grpc-testing';
import { GreeterDefinition, type GrpcClient, type HelloReply, SERVED_BY_HEADER } from '@quartet/proto';
import { GreeterModule } from '../greeter/greeter.module';

describe('greeter over gRPC', () => {
  const config = testServerConfig();
  let sut: RunningGrpcService;
  let client: GrpcClient<typeof GreeterDefinition>;

  beforeAll(async () => {
    sut = await startGrpcService({ module: GreeterModule, services: [GreeterDefinition], config });
    client = connect(GreeterDefinition, sut.address);
  });

  afterAll(async () => {
    client.close();
    await sut.stop();
  });

  const sayHello = (name: string) =>
    outcomeOf<HelloReply>((done) => client.sayHello({ name }, new Metadata(), deadlineIn(), done));

  it('answers SayHello with "Hello <name>"', async () => {
    const outcome = await sayHello('you');
    expect(outcome.status.code).toBe(status.OK);
    expect(outcome.response).toEqual({ message: 'Hello you' });
  });

  it('names the instance that answered in the x-served-by header', async () => {
    const outcome = await sayHello('you');
    expect(outcome.headers.get(SERVED_BY_HEADER)).toEqual([config.instanceId]);
  });

  it('rejects an empty name with INVALID_ARGUMENT saying why, and still names the instance', async () => {
    const outcome = await sayHello('');
    expect(outcome.status.code).toBe(status.INVALID_ARGUMENT);
    expect(outcome.status.details).toBe('name must not be empty');
    expect(outcome.status.metadata.get(SERVED_BY_HEADER)).toEqual([config.instanceId]);
  });

  it('rejects a name over 256 characters with INVALID_ARGUMENT', async () => {
    const outcome = await sayHello('n'.repeat(257));
    expect(outcome.status.code).toBe(status.INVALID_ARGUMENT);
    expect(outcome.status.details).toBe('name is 257 characters long; at most 256 are allowed');
  });

  it('refuses a message over its size limit with RESOURCE_EXHAUSTED', async () => {
    const outcome = await sayHello('n'.repeat(100 * 1024));
    expect(outcome.status.code).toBe(status.RESOURCE_EXHAUSTED);
  });

  it('serves grpc.health.v1 Check for the server and for helloworld.Greeter', async () => {
    const health = healthClient(sut.address);
    const check = (service: string) =>
      new Promise((resolve, reject) =>
        health.check({ service }, (error, response) => (error ? reject(error) : resolve(response?.status))),
      );
    await expect(check('')).resolves.toBe('SERVING');
    await expect(check('helloworld.Greeter')).resolves.toBe('SERVING');
    await expect(check('nope.Nothing')).rejects.toMatchObject({ code: status.NOT_FOUND });
    health.close();
  });

  it('serves grpc.health.v1 Watch, which streams the current status', async () => {
    const health = healthClient(sut.address);
    const watch = health.watch({ service: 'helloworld.Greeter' });
    const first = await new Promise((resolve) => watch.once('data', resolve));
    expect(first).toEqual({ status: 'SERVING' });
    watch.cancel();
    await readAll(watch);
    health.close();
  });

  it('lists its service and health through server reflection', async () => {
    const services = await listServicesByReflection(sut.address);
    expect(services).toEqual(expect.arrayContaining(['grpc.health.v1.Health', 'helloworld.Greeter']));
    expect(services).not.toContain('chat.v1.ChatService');
  });
});

import { EventEmitter } from 'node:events';
import { eventually, startTestRedis, type TestRedis } from '@quartet/grpc-testing';
import { loadConfig } from '../config';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { SharedState } from '../shared-state/shared-state';
import { ClientStreams } from './client-streams';

const LEASE_MS = 1_000;

/** A gateway replica's stream slots: two per client, four in all, leased on `redisUrl` when given. */
async function replica(redisUrl?: string): Promise<{ sut: ClientStreams; shared: SharedState }> {
  const config = loadConfig({
    MAX_STREAMS: '4',
    MAX_STREAMS_PER_CLIENT: '2',
    STREAM_LEASE_MS: String(LEASE_MS),
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
  });
  const shared = new SharedState(config, new GatewayMetrics());
  await shared.onModuleInit();
  return { sut: new ClientStreams(config, new GatewayMetrics(), shared), shared };
}

/** Opens a stream for `client`; resolves to the stream when a slot was given, or the refusal's message. */
async function open(sut: ClientStreams, client: string): Promise<EventEmitter | string> {
  const stream = new EventEmitter();
  const refusal = await sut.open(client, stream);
  return refusal ? refusal.message : stream;
}

const FULL = 'this client already has 2 open streams; the limit is 2';

describe(ClientStreams.name, () => {
  it('without REDIS_URL holds each client to its limit and the process to its total', async () => {
    const { sut } = await replica();
    const first = await open(sut, 'a');
    await open(sut, 'a');
    expect(await open(sut, 'a')).toBe(FULL);
    await open(sut, 'b');
    await open(sut, 'c');
    expect(await open(sut, 'd')).toBe('the gateway has 4 open streams, its limit; try again later');
    (first as EventEmitter).emit('close');
    expect(await open(sut, 'a')).toBeInstanceOf(EventEmitter);
  });

  describe('with REDIS_URL', () => {
    let redis: TestRedis;
    const running: Array<{ sut: ClientStreams; shared: SharedState }> = [];

    beforeAll(async () => {
      redis = await startTestRedis();
    });

    afterEach(async () => {
      for (const { sut, shared } of running.splice(0)) {
        sut.onApplicationShutdown();
        await shared.onApplicationShutdown();
      }
    });

    afterAll(async () => {
      await redis.stop();
    });

    async function sharedReplica(): Promise<ClientStreams> {
      const started = await replica(redis.url);
      running.push(started);
      return started.sut;
    }

    it('holds a client to one MAX_STREAMS_PER_CLIENT over two replicas, and frees a slot as its stream closes', async () => {
      const [first, second] = [await sharedReplica(), await sharedReplica()];
      const held = await open(first, '10.0.0.1');
      await open(second, '10.0.0.1');
      expect(await open(first, '10.0.0.1')).toBe(FULL);
      expect(await open(second, '10.0.0.1')).toBe(FULL);
      expect(await open(second, '10.0.0.2')).toBeInstanceOf(EventEmitter);
      (held as EventEmitter).emit('close');
      await eventually(async () => (await open(second, '10.0.0.1')) instanceof EventEmitter, {
        what: 'the closed stream’s slot to be free on the other replica',
      });
    });

    it('renews the leases of open streams, and a dead replica’s slots come back within one lease', async () => {
      const [doomed, survivor] = [await sharedReplica(), await sharedReplica()];
      await open(doomed, '10.0.0.3');
      await open(doomed, '10.0.0.3');
      // Three leases long: without renewal the slots would be free again long before this.
      await new Promise((resolve) => setTimeout(resolve, 3 * LEASE_MS));
      expect(await open(survivor, '10.0.0.3')).toBe(FULL);
      // Dies as if SIGKILLed: it stops renewing, and its streams never say they closed.
      doomed.onApplicationShutdown();
      await eventually(async () => (await open(survivor, '10.0.0.3')) instanceof EventEmitter, {
        what: 'the dead replica’s slot to come back',
        timeoutMs: 3 * LEASE_MS,
      });
    });

    it('counts in the process while Redis is away', async () => {
      const sut = await sharedReplica();
      await redis.pause();
      try {
        await open(sut, '10.0.0.4');
        await open(sut, '10.0.0.4');
        expect(await open(sut, '10.0.0.4')).toBe(FULL);
      } finally {
        await redis.start();
      }
    });
  });
});

import { eventually, startTestRedis, type TestRedis } from '@quartet/grpc-testing';
import { loadConfig } from '../config';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { SharedState } from '../shared-state/shared-state';
import { UploadQuota } from './upload-quota';

/** A gateway replica's quota: its own SharedState, on `redisUrl` when given. */
async function replica(redisUrl?: string): Promise<{ sut: UploadQuota; shared: SharedState }> {
  const config = loadConfig({ UPLOAD_QUOTA_BYTES: '100', ...(redisUrl ? { REDIS_URL: redisUrl } : {}) });
  const shared = new SharedState(config, new GatewayMetrics());
  await shared.onModuleInit();
  return { sut: new UploadQuota(config, shared), shared };
}

describe(UploadQuota.name, () => {
  describe('without REDIS_URL', () => {
    it('takes bytes until the next would pass the quota, taking nothing then', async () => {
      const { sut } = await replica();
      const upload = sut.forUpload('ann');
      expect(await upload.take(60)).toBe(true);
      expect(await upload.take(50)).toBe(false);
      expect(await sut.left('ann')).toBe(40);
      expect(await upload.take(40)).toBe(true);
      expect(await sut.left('ann')).toBe(0);
    });

    it('keeps each user’s count apart, and gives back just what a failed upload took', async () => {
      const { sut } = await replica();
      await sut.forUpload('ann').take(70);
      const failed = sut.forUpload('ann');
      await failed.take(30);
      expect(await sut.left('bob')).toBe(100);
      await failed.giveBack();
      expect(await sut.left('ann')).toBe(30);
    });
  });

  describe('with REDIS_URL', () => {
    let redis: TestRedis;
    const replicas: SharedState[] = [];

    beforeAll(async () => {
      redis = await startTestRedis();
    });

    afterEach(async () => {
      await Promise.all(replicas.splice(0).map((shared) => shared.onApplicationShutdown()));
    });

    afterAll(async () => {
      await redis.stop();
    });

    async function sharedReplica(): Promise<UploadQuota> {
      const { sut, shared } = await replica(redis.url);
      replicas.push(shared);
      return sut;
    }

    it('holds a user to one quota across two gateway replicas and a restart', async () => {
      const [first, second] = [await sharedReplica(), await sharedReplica()];
      expect(await first.forUpload('cat').take(60)).toBe(true);
      expect(await second.forUpload('cat').take(50)).toBe(false);
      expect(await second.forUpload('cat').take(40)).toBe(true);
      const restarted = await sharedReplica();
      expect(await restarted.left('cat')).toBe(0);
    });

    it('gives a failed upload’s bytes back to every replica', async () => {
      const [first, second] = [await sharedReplica(), await sharedReplica()];
      const failed = first.forUpload('dan');
      await failed.take(90);
      expect(await second.left('dan')).toBe(10);
      await failed.giveBack();
      expect(await second.left('dan')).toBe(100);
    });

    it('counts in the process while Redis is away, and gives back each byte where it was taken', async () => {
      const sut = await sharedReplica();
      const upload = sut.forUpload('eve');
      await upload.take(30);
      await redis.pause();
      try {
        // Fails open: the local count starts from nothing, so the 30 bytes in Redis are not seen.
        expect(await upload.take(80)).toBe(true);
        expect(await sut.left('eve')).toBe(20);
      } finally {
        await redis.start();
      }
      await eventually(async () => (await sut.left('eve')) === 70, {
        what: 'the quota to be read from Redis again',
      });
      await upload.giveBack();
      expect(await sut.left('eve')).toBe(100);
    });
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueCertificate, makeAuthority } from '@quartet/certificates';
import { eventually, type ServiceProcess, startTestRedis, type TestRedis } from '@quartet/grpc-testing';
import { REDIS_ACL_RULES } from '@quartet/redis';
import { addressesOf, spawnBackends, startTestGateway, stopAll, type TestGateway } from './fixture';

const REQUESTS_PER_MINUTE = 10;
const SESSIONS_PER_MINUTE = 3;
const QUOTA_BYTES = 1_000;
const STREAMS_PER_CLIENT = 2;
const LEASE_MS = 1_500;

const upload = (gateway: TestGateway, user: string, bytes: number) =>
  gateway.fetch(
    `/api/uploads?name=${user}-${bytes}.bin`,
    { method: 'POST', body: Buffer.alloc(bytes, 1), duplex: 'half' } as RequestInit,
    user,
  );

/** The Redis is as the manifests run it: TLS only, and the gateway signs in as its ACL user, held to its rules. */
describe('limits shared by gateway replicas on one Redis', () => {
  let redis: TestRedis;
  let services: Record<string, ServiceProcess>;
  const uploadDir = mkdtempSync(join(tmpdir(), 'quartet-shared-limits-'));
  const certsDir = mkdtempSync(join(tmpdir(), 'quartet-shared-limits-certs-'));
  let gateways: TestGateway[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    const ca = makeAuthority(certsDir, 'ca');
    const server = issueCertificate(certsDir, ca, 'redis');
    redis = await startTestRedis({
      tls: { certFile: server.certFile, keyFile: server.keyFile, caFile: ca.certFile },
      users: [{ name: 'gateway', password: 'gateway-secret', rules: REDIS_ACL_RULES.gateway }],
    });
    services = await spawnBackends({ greeter: {}, ticker: {}, upload: { UPLOAD_DIR: uploadDir } });
    env = {
      REDIS_URL: redis.urlFor('gateway'),
      REDIS_TLS_CA_FILE: ca.certFile,
      RATE_LIMIT_PER_MINUTE: String(REQUESTS_PER_MINUTE),
      SESSIONS_PER_MINUTE: String(SESSIONS_PER_MINUTE),
      UPLOAD_QUOTA_BYTES: String(QUOTA_BYTES),
      MAX_STREAMS_PER_CLIENT: String(STREAMS_PER_CLIENT),
      STREAM_LEASE_MS: String(LEASE_MS),
    };
    gateways = [
      await startTestGateway(addressesOf(services), env),
      await startTestGateway(addressesOf(services), env),
    ];
  }, 60_000);

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await stopAll(services ?? {});
    await redis?.stop();
    rmSync(uploadDir, { recursive: true, force: true });
    rmSync(certsDir, { recursive: true, force: true });
  });

  it(`holds a user to one RATE_LIMIT_PER_MINUTE of ${REQUESTS_PER_MINUTE} over both replicas`, async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= REQUESTS_PER_MINUTE; i += 1) {
      const response = await (gateways[i % 2] as TestGateway).fetch('/api/hello?name=x', {}, 'busy');
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    expect(statuses).toEqual([...Array<number>(REQUESTS_PER_MINUTE).fill(200), 429]);
    const other = await (gateways[0] as TestGateway).fetch('/api/hello?name=x', {}, 'idle');
    expect(other.status).toBe(200);
  });

  it(`holds a client address to one SESSIONS_PER_MINUTE of ${SESSIONS_PER_MINUTE} over both replicas`, async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= SESSIONS_PER_MINUTE; i += 1) {
      const response = await fetch(`${(gateways[i % 2] as TestGateway).url}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: `guest${i}` }),
      });
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    expect(statuses).toEqual([...Array<number>(SESSIONS_PER_MINUTE).fill(201), 429]);
  });

  it(`holds a user to one UPLOAD_QUOTA_BYTES of ${QUOTA_BYTES} over both replicas`, async () => {
    const [a, b] = gateways as [TestGateway, TestGateway];
    expect((await upload(a, 'uploader', 600)).status).toBe(201);
    const refused = await upload(b, 'uploader', 600);
    expect(refused.status).toBe(413);
    expect(await refused.json()).toEqual({
      error: {
        code: 'PAYLOAD_TOO_LARGE',
        message: `uploader has 400 bytes left of the ${QUOTA_BYTES}-byte upload quota`,
      },
    });
    expect((await upload(b, 'uploader', 400)).status).toBe(201);
    expect((await upload(a, 'uploader', 1)).status).toBe(413);
  });

  it(`holds a client to one MAX_STREAMS_PER_CLIENT of ${STREAMS_PER_CLIENT}, and a SIGKILLed replica's slots come back within the lease`, async () => {
    const doomed = await startTestGateway(addressesOf(services), env);
    const survivor = gateways[0] as TestGateway;
    const held = new AbortController();
    // A user each request: the slots are the client address's, and the user's rate must not get in the way.
    let users = 0;
    const user = () => `streamer-${(users += 1)}`;
    try {
      for (let i = 0; i < STREAMS_PER_CLIENT; i += 1) {
        const ticks = await doomed.fetch(
          '/api/ticker/HELD?count=0&intervalMs=200',
          { signal: held.signal },
          user(),
        );
        expect(ticks.status).toBe(200);
      }
      const refused = await survivor.fetch('/api/ticker/MORE?count=1&intervalMs=0', {}, user());
      expect(refused.status).toBe(429);
      expect(await refused.json()).toEqual({
        error: {
          code: 'RESOURCE_EXHAUSTED',
          message: `this client already has ${STREAMS_PER_CLIENT} open streams; the limit is ${STREAMS_PER_CLIENT}`,
        },
      });
      doomed.process.child.kill('SIGKILL');
      await doomed.process.exited;
      await eventually(
        async () => {
          const ticks = await survivor.fetch('/api/ticker/BACK?count=1&intervalMs=0', {}, user());
          await ticks.arrayBuffer();
          return ticks.status === 200;
        },
        { what: "the killed replica's stream slots to come back", timeoutMs: 3 * LEASE_MS, everyMs: 100 },
      );
    } finally {
      held.abort();
      await doomed.stop();
    }
  }, 30_000);
});

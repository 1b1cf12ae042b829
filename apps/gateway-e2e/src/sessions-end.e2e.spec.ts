import { eventually, type ServiceProcess, startTestRedis, type TestRedis } from '@quartet/grpc-testing';
import { addressesOf, spawnBackends, startTestGateway, stopAll, type TestGateway } from './fixture';

/** Starts a guest session on `gateway`; its bearer header. */
async function signIn(gateway: TestGateway, user: string): Promise<string> {
  const response = await fetch(`${gateway.url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user }),
  });
  expect(response.status).toBe(201);
  return `Bearer ${((await response.json()) as { token: string }).token}`;
}

const hello = (gateway: TestGateway, authorization: string) =>
  fetch(`${gateway.url}/api/hello?name=x`, { headers: { authorization } });

describe('signing out ends the session on every replica', () => {
  let redis: TestRedis;
  let services: Record<string, ServiceProcess>;
  const gateways: TestGateway[] = [];

  beforeAll(async () => {
    redis = await startTestRedis();
    services = await spawnBackends({ greeter: {} });
    for (const env of [{ REDIS_URL: redis.url }, { REDIS_URL: redis.url }, {}] as Record<string, string>[]) {
      gateways.push(await startTestGateway(addressesOf(services), env));
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await stopAll(services ?? {});
    await redis?.stop();
  });

  it('refuses a signed-out token on the replica that signed it out at once, and on the others through Redis', async () => {
    const [a, b] = gateways as [TestGateway, TestGateway];
    const token = await signIn(a, 'leaving');
    expect((await hello(b, token)).status).toBe(200);
    const signOut = await fetch(`${a.url}/api/session`, {
      method: 'DELETE',
      headers: { authorization: token },
    });
    expect(signOut.status).toBe(204);
    const refused = await hello(a, token);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({
      error: { code: 'UNAUTHENTICATED', message: 'this session was signed out; sign in again' },
    });
    await eventually(async () => (await hello(b, token)).status === 401, {
      what: 'the other replica refusing it',
    });
  });

  it('tells a replica that starts later of the sign-outs before it', async () => {
    const token = await signIn(gateways[0] as TestGateway, 'gone-before');
    await fetch(`${gateways[0]?.url}/api/session`, { method: 'DELETE', headers: { authorization: token } });
    const late = await startTestGateway(addressesOf(services), { REDIS_URL: redis.url });
    try {
      expect((await hello(late, token)).status).toBe(401);
    } finally {
      await late.stop();
    }
  });

  it('revokes in memory without REDIS_URL: the replica that signed it out refuses it', async () => {
    const alone = gateways[2] as TestGateway;
    const token = await signIn(alone, 'solo');
    expect(
      (await fetch(`${alone.url}/api/session`, { method: 'DELETE', headers: { authorization: token } }))
        .status,
    ).toBe(204);
    expect((await hello(alone, token)).status).toBe(401);
  });
});

describe('a rolling rotation of AUTH_SECRET', () => {
  const OLD = 'sessions-end: the key every replica signed with first';
  const NEW = 'sessions-end: the key the rotation brings in (32+ bytes)';
  const running: { stop(): Promise<void> }[] = [];

  afterAll(async () => {
    await Promise.all(running.map((process) => process.stop()));
  });

  const greeter = async (secret: string, previous?: string) => {
    const services = await spawnBackends({
      greeter: { AUTH_SECRET: secret, ...(previous ? { AUTH_PREVIOUS_SECRETS: previous } : {}) },
    });
    running.push({ stop: () => stopAll(services) });
    return addressesOf(services);
  };
  const gateway = async (targets: Record<string, string>, secret: string, previous?: string) => {
    const started = await startTestGateway(targets, {
      AUTH_SECRET: secret,
      ...(previous ? { AUTH_PREVIOUS_SECRETS: previous } : {}),
    });
    running.push(started);
    return started;
  };

  it('signs no one out and refuses no call at any step, then refuses the retired key', async () => {
    const calls: number[] = [];
    const everyoneCalls = async (replicas: TestGateway[], tokens: string[]) => {
      for (const replica of replicas)
        for (const token of tokens) calls.push((await hello(replica, token)).status);
    };
    // Before: every replica and the service on the old key.
    let targets = await greeter(OLD);
    let [one, two] = [await gateway(targets, OLD), await gateway(targets, OLD)];
    const before = await signIn(one, 'before');
    await everyoneCalls([one, two], [before]);
    // Step 1: the new key verifies everywhere before anyone signs with it.
    targets = await greeter(OLD, NEW);
    [one, two] = [await gateway(targets, OLD, NEW), await gateway(targets, OLD, NEW)];
    await everyoneCalls([one, two], [before]);
    // Step 2, rolled replica by replica: the new key signs, the old one still verifies.
    one = await gateway(targets, NEW, OLD);
    const during = await signIn(one, 'during');
    await everyoneCalls([one, two], [before, during]);
    targets = await greeter(NEW, OLD);
    [one, two] = [await gateway(targets, NEW, OLD), await gateway(targets, NEW, OLD)];
    await everyoneCalls([one, two], [before, during]);
    expect(calls.every((status) => status === 200)).toBe(true);

    // Step 3, once every old session has expired: the old key goes.
    const after = await gateway(await greeter(NEW), NEW);
    expect((await hello(after, during)).status).toBe(200);
    const retired = await hello(after, before);
    expect(retired.status).toBe(401);
    expect(await retired.json()).toEqual({
      error: {
        code: 'UNAUTHENTICATED',
        message: 'the token is signed with a key that is retired or unknown here',
      },
    });
  }, 90_000);
});

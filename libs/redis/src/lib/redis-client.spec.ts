import { makeAuthority, issueCertificate, type KeyPair } from '@quartet/certificates';
import { type RedisServer, startRedisServer } from '@quartet/processes';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RedisClientType } from 'redis';
import { REDIS_ACL_RULES } from './acl-rules';
import { redisClient } from './redis-client';

/** Connects, or rejects with the first error the client reports (it would retry for ever). */
async function connected(client: RedisClientType): Promise<RedisClientType> {
  const failed = new Promise<never>((_, reject) => client.once('error', reject));
  try {
    await Promise.race([client.connect(), failed]);
    return client;
  } catch (error) {
    client.destroy();
    throw error;
  }
}

/** A redis-server as the manifests run it: TLS only, the default user off, one ACL user per app. */
describe('redisClient against a Redis with TLS and ACL users', () => {
  let dir: string;
  let ca: KeyPair;
  let redis: RedisServer;
  const clients: RedisClientType[] = [];
  const as = (user: string, password: string, caFile: string | undefined = ca.certFile) => {
    const url = new URL(redis.url);
    url.username = user;
    url.password = password;
    const client = redisClient(url.toString(), { caFile, commandTimeoutMs: 2_000 });
    clients.push(client);
    return connected(client);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'quartet-redis-tls-spec-'));
    ca = makeAuthority(dir, 'ca');
    const server = issueCertificate(dir, ca, 'redis');
    redis = await startRedisServer({
      dir,
      tls: { certFile: server.certFile, keyFile: server.keyFile, caFile: ca.certFile },
      users: [
        { name: 'chat', password: 'chat-secret', rules: REDIS_ACL_RULES.chat },
        { name: 'gateway', password: 'gateway-secret', rules: REDIS_ACL_RULES.gateway },
      ],
    });
  }, 30_000);

  afterAll(async () => {
    for (const client of clients) if (client.isOpen) client.destroy();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('signs in over TLS, trusting the CA it is given, and works on its own keys', async () => {
    expect(redis.url).toBe(`rediss://127.0.0.1:${redis.port}`);
    const chat = await as('chat', 'chat-secret');
    await chat.set('quartet:chat:{lobby}:probe', '1');
    expect(await chat.get('quartet:chat:{lobby}:probe')).toBe('1');
    expect(
      await chat.eval("return string.match(redis.call('INFO', 'server'), 'run_id:(%x+)') ~= nil", {
        keys: [],
      }),
    ).toBe(1);
  });

  it("refuses another app's keys and the dangerous commands", async () => {
    const gateway = await as('gateway', 'gateway-secret');
    await expect(gateway.get('quartet:chat:{lobby}:probe')).rejects.toThrow(/NOPERM/);
    await expect(gateway.configSet('maxmemory', '1')).rejects.toThrow(/NOPERM/);
    await expect(gateway.flushAll()).rejects.toThrow(/NOPERM/);
    await expect(gateway.info('server')).rejects.toThrow(/NOPERM/);
    await gateway.set('quartet:gateway:rate:probe', '1');
  });

  it('refuses a wrong password, no user at all, and a server certificate from a CA it does not trust', async () => {
    await expect(as('chat', 'wrong')).rejects.toThrow(/WRONGPASS/);
    const anonymous = redisClient(redis.url, { caFile: ca.certFile });
    clients.push(anonymous);
    await connected(anonymous).then(
      (client) => expect(client.ping()).rejects.toThrow(/NOAUTH/),
      (error: Error) => expect(error.message).toMatch(/NOAUTH/),
    );
    const stranger = makeAuthority(join(dir, 'stranger'), 'stranger-ca');
    await expect(as('chat', 'chat-secret', stranger.certFile)).rejects.toThrow(
      /self.signed|unable to verify|certificate/i,
    );
  });
});

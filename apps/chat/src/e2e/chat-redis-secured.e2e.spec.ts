import { status } from '@grpc/grpc-js';
import { issueCertificate, makeAuthority, type KeyPair } from '@quartet/certificates';
import { startTestRedis, type TestRedis } from '@quartet/grpc-testing';
import { REDIS_ACL_RULES } from '@quartet/redis';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom } from 'rxjs';
import { CHAT_STORE, type ChatStore } from '../chat/chat-store';
import { redisChatConfig } from './chat-stores';
import { ChatUnderTest } from './chat-under-test';

/** Chat on a Redis as the manifests run it: TLS only, no default user, chat's ACL user with chat's rules. */
describe('chat rooms in a Redis with TLS and an ACL user', () => {
  let dir: string;
  let ca: KeyPair;
  let redis: TestRedis;
  let chat: ChatUnderTest | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'quartet-chat-redis-tls-'));
    ca = makeAuthority(dir, 'ca');
    const server = issueCertificate(dir, ca, 'redis');
    redis = await startTestRedis({
      tls: { certFile: server.certFile, keyFile: server.keyFile, caFile: ca.certFile },
      users: [{ name: 'chat', password: 'chat-secret', rules: REDIS_ACL_RULES.chat }],
    });
  }, 30_000);

  afterEach(async () => {
    await chat?.stop();
    chat = undefined;
  });

  afterAll(async () => {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const configFor = (url: string) => {
    const config = redisChatConfig(url);
    return { ...config, redis: { ...config.redis, url, caFile: ca.certFile, presenceLeaseMs: 1_500 } };
  };

  it('joins, posts, replays and renews presence over rediss:// as its own user, with nothing past its rules', async () => {
    chat = await ChatUnderTest.start(configFor(redis.urlFor('chat')));
    const ann = chat.join('ann', 'lobby');
    const bob = chat.join('bob', 'lobby');
    await ann.untilPresence('bob', true);
    for (let i = 1; i <= 3; i += 1) ann.post(`m${i}`, `c-${i}`);
    await bob.untilMessage(3n);
    const late = chat.join('cyd', 'lobby', ann.epoch() + 1n);
    await late.untilMessage(3n);
    expect(late.seqs()).toEqual([2n, 3n]);
    // A lease renewal (every 500 ms here) that NOPERM refused would end the members.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    ann.post('still here');
    await bob.untilMessage(4n);
  });

  it('stays unavailable and refuses joins with UNAVAILABLE when its password is wrong', async () => {
    const wrong = new URL(redis.urlFor('chat'));
    wrong.password = 'not-the-secret';
    chat = await ChatUnderTest.start(configFor(wrong.toString()), { waitForStore: false });
    const refused = chat.join('ann', 'lobby');
    expect(await refused.ended).toMatchObject({ code: status.UNAVAILABLE });
    expect(await firstValueFrom(chat.service.app.get<ChatStore>(CHAT_STORE).available)).toBe(false);
  });
});

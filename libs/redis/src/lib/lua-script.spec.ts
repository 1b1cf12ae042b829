import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RedisServer, startRedisServer } from '@quartet/processes';
import type { RedisClientType } from 'redis';
import { LuaScript } from './lua-script';
import { redisClient } from './redis-client';

const INCREMENT = `return redis.call('INCRBY', KEYS[1], ARGV[1])`;

describe(LuaScript.name, () => {
  let dir: string;
  let redis: RedisServer;
  let client: RedisClientType;
  let sent: string[][];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'quartet-lua-script-spec-'));
    redis = await startRedisServer({ dir });
    client = redisClient(redis.url, { commandTimeoutMs: 2_000 });
    await client.connect();
  }, 20_000);
  afterAll(async () => {
    await client?.close();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    sent = [];
    const send = client.sendCommand.bind(client);
    jest.spyOn(client, 'sendCommand').mockImplementation((args, ...rest) => {
      sent.push([...(args as string[])].slice(0, 1));
      return send(args, ...rest);
    });
  });
  afterEach(() => jest.restoreAllMocks());

  it('sends its text once, then only its SHA1, and again after Redis forgot it', async () => {
    const script = new LuaScript(INCREMENT);
    await client.sendCommand(['SCRIPT', 'FLUSH']);
    sent = [];

    expect(await script.run(client, ['counter'], ['2'])).toBe(2);
    expect(await script.run(client, ['counter'], ['3'])).toBe(5);
    expect(sent.flat()).toEqual(['EVALSHA', 'EVAL', 'EVALSHA']);

    await client.sendCommand(['SCRIPT', 'FLUSH']);
    expect(await script.run(client, ['counter'], ['1'])).toBe(6);
  });

  it('passes on an error of the script itself', async () => {
    const script = new LuaScript(`return redis.error_reply('ERR refused by the script')`);
    await expect(script.run(client, [], [])).rejects.toThrow('refused by the script');
  });
});

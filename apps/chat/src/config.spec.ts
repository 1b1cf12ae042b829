import { ConfigError } from '@quartet/grpc-server';
import { chatMemoryBudget, loadConfig } from './config';

describe(loadConfig.name, () => {
  it('defaults to limits whose memory budget fits a 256 MiB container with room to spare', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      historySize: 100,
      maxBacklog: 256,
      dedupWindow: 100,
      maxRooms: 100,
      maxMembers: 100,
      maxConnections: 1_000,
      postsPerSecond: 10,
      presenceListMax: 100,
    });
    // 100 rooms × (100 + 256) messages × 4 KiB + 1,000 members × (256 × 8 B + 4 KiB)
    expect(chatMemoryBudget(config)).toBe(151_961_600);
  });

  it('refuses a backlog no larger than the history, which would cut off every join that replays it', () => {
    expect(() => loadConfig({ CHAT_HISTORY: '100', CHAT_MAX_BACKLOG: '100' })).toThrow(
      new ConfigError(['CHAT_MAX_BACKLOG=100 must be over CHAT_HISTORY=100: a join replays the history']),
    );
  });

  it('refuses several workers without Redis, since a room in memory lives in one process', () => {
    expect(() => loadConfig({ WORKERS: '2' })).toThrow(
      new ConfigError(['WORKERS=2 needs REDIS_URL: rooms kept in memory live in one process']),
    );
    expect(loadConfig({ WORKERS: '2', REDIS_URL: 'redis://127.0.0.1:6379' }).server.workers).toBe(2);
  });

  it('reads the CA of a rediss:// REDIS_URL, and refuses one for a plain URL or one it cannot read', () => {
    expect(
      loadConfig({ REDIS_URL: 'rediss://chat:secret@redis:6379', REDIS_TLS_CA_FILE: __filename }).redis,
    ).toMatchObject({ url: 'rediss://chat:secret@redis:6379', caFile: __filename });
    expect(() => loadConfig({ REDIS_URL: 'redis://redis:6379', REDIS_TLS_CA_FILE: __filename })).toThrow(
      new ConfigError(['REDIS_TLS_CA_FILE is set without a rediss:// REDIS_URL']),
    );
    expect(() =>
      loadConfig({ REDIS_URL: 'rediss://redis:6379', REDIS_TLS_CA_FILE: '/no/such/ca.crt' }),
    ).toThrow(new ConfigError(['REDIS_TLS_CA_FILE=/no/such/ca.crt cannot be read']));
  });
});

import { createHash } from 'node:crypto';
import type { RedisClientType } from 'redis';

/** Anything a script returns: RESP values as node-redis gives them. */
export type ScriptReply = string | number | null | ScriptReply[];

/**
 * A Lua script run by its SHA1 (EVALSHA), and sent whole (EVAL) only when this Redis has not
 * seen it yet: after a restart, or on a new server.
 */
export class LuaScript {
  private readonly sha1: string;

  constructor(private readonly source: string) {
    this.sha1 = createHash('sha1').update(source).digest('hex');
  }

  async run(client: RedisClientType, keys: readonly string[], args: readonly string[]): Promise<ScriptReply> {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return (await client.sendCommand(['EVALSHA', this.sha1, ...tail])) as ScriptReply;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return (await client.sendCommand(['EVAL', this.source, ...tail])) as ScriptReply;
    }
  }
}

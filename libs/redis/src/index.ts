export { LuaScript, type ScriptReply } from './lib/lua-script';
export { redisClient, type RedisClientOptions } from './lib/redis-client';

export { REDIS_ACL_RULES } from './lib/acl-rules';
export { LuaScript, type ScriptReply } from './lib/lua-script';
export { redisClient, type RedisClientOptions } from './lib/redis-client';
export { readRedisConnection, type ConnectionSettings, type RedisConnection } from './lib/redis-connection';

export { listeningEvent, type ListeningEvent } from './lib/listening';
export { startRedisServer, type RedisServer, type RedisServerOptions } from './lib/redis-server';

export { listeningEvent, type ListeningEvent } from './lib/listening';
export { startRedisServer, type RedisServer, type RedisServerOptions } from './lib/redis-server';
export { startProcess, type StartedProcess, type StartProcessOptions } from './lib/start-process';

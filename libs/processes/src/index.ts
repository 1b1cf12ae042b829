export { listeningEvent, type ListeningEvent } from './lib/listening';
export {
  startRedisServer,
  type RedisServer,
  type RedisServerOptions,
  type RedisTls,
  type RedisUser,
} from './lib/redis-server';
export { startProcess, type StartedProcess, type StartProcessOptions } from './lib/start-process';
export { S3_TEST_CREDENTIALS, startS3Server, type S3Server, type S3ServerOptions } from './lib/s3-server';

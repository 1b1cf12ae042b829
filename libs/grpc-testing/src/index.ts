export {
  deadlineIn,
  nextMessage,
  outcomeOf,
  readAll,
  statusOf,
  type CallOutcome,
  type StreamOutcome,
} from './lib/calls';
export { connect, listServicesByReflection } from './lib/clients';
export { testServerConfig } from './lib/server-config';
export { builtApp, spawnService, type ServiceProcess, type SpawnOptions } from './lib/service-process';
export { eventually } from './lib/eventually';
export { startTestRedis, type TestRedis } from './lib/redis-server';
export { spawnReplicas, stopReplicas, tally } from './lib/replicas';
export { startSilentRelay, type SilentRelay } from './lib/silent-relay';
export { stalledCall, type StalledCall } from './lib/stalled-call';
export { startPrivateNetwork, type PrivateNetwork } from './lib/private-network';
export {
  grpcFrame,
  grpcRequestHeaders,
  gzipBomb,
  rawCall,
  rawSession,
  type RawCall,
  type RawOutcome,
} from './lib/raw-grpc';
export { fourStyles, succeeds, type FourStyles, type StyleCall, type StyleService } from './lib/four-styles';
export {
  gatewayTlsEnv,
  makeTestCertificates,
  serviceTlsEnv,
  testChannelCredentials,
  type TestCertificates,
} from './lib/test-certificates';
export { pathSpelling, pathSpellingsOf } from './lib/path-spellings';
export type { KeyPair } from '@quartet/certificates';
export { containerHeapMb, memoryLimitMiB } from './lib/container-memory';

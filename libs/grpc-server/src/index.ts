export { ConfigError, EnvReader, type Environment } from './lib/config/env-reader';
export { readServerConfig, type ServerConfig } from './lib/config/server-config';
export {
  processLogger,
  readListenAddress,
  readLogSettings,
  type ListenAddress,
  type LogFormat,
  type LogLevelName,
  type LogSettings,
} from './lib/config/process-settings';
export { readAuthSettings } from './lib/config/auth-config';
export {
  runGrpcService,
  startGrpcService,
  type GrpcServiceOptions,
  type RunningGrpcService,
} from './lib/bootstrap';
export { whenWritable } from './lib/flow-control';
export { rpcError } from './lib/rpc-errors';
export { CLOCK, systemClockProvider, type Clock } from './lib/clock';
export { ServerMetrics } from './lib/server-metrics';
export { scrapedCounter, scrapedGauge } from './lib/scraped-figures';
export { surviveUnexpectedErrors } from './lib/unexpected-errors';
export { drainOnSignal, type StopSignal } from './lib/drain-on-signal';
export { verifiedUser, VERIFIED_USER_KEY } from './lib/call-auth';

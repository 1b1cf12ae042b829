import { EnvReader, type Environment, readServerConfig, type ServerConfig } from '@quartet/grpc-server';
import { defaultPort } from '@quartet/service-catalogue';

export interface TickerConfig {
  readonly server: ServerConfig;
}

/** The ticker's settings from its environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Environment): TickerConfig {
  const reader = new EnvReader(env);
  const server = readServerConfig(reader, defaultPort('ticker'));
  reader.done();
  return { server };
}

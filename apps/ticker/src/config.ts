import { EnvReader, type Environment, readServerConfig, type ServerConfig } from '@quartet/grpc-server';

export interface TickerConfig {
  readonly server: ServerConfig;
}

export const TICKER_DEFAULT_PORT = 50052;

/** The ticker's settings from its environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Environment): TickerConfig {
  const reader = new EnvReader(env);
  const server = readServerConfig(reader, TICKER_DEFAULT_PORT);
  reader.done();
  return { server };
}

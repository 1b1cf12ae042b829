import { EnvReader, type Environment, readServerConfig, type ServerConfig } from '@quartet/grpc-server';

export interface GreeterConfig {
  readonly server: ServerConfig;
}

export const GREETER_DEFAULT_PORT = 50051;

/** The greeter's settings from its environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Environment): GreeterConfig {
  const reader = new EnvReader(env);
  const server = readServerConfig(reader, GREETER_DEFAULT_PORT);
  reader.done();
  return { server };
}

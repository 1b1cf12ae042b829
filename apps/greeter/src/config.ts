import { EnvReader, type Environment, readServerConfig, type ServerConfig } from '@quartet/grpc-server';
import { defaultPort } from '@quartet/service-catalogue';

export interface GreeterConfig {
  readonly server: ServerConfig;
}

/** The greeter's settings from its environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Environment): GreeterConfig {
  const reader = new EnvReader(env);
  const server = readServerConfig(reader, defaultPort('greeter'));
  reader.done();
  return { server };
}

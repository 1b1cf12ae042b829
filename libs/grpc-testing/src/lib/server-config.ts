import type { ServerConfig } from '@quartet/grpc-server';

let instances = 0;

/** A service configuration for tests: loopback, a port the system picks, quiet logs. */
export function testServerConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  instances += 1;
  return {
    host: '127.0.0.1',
    port: 0,
    instanceId: `test-${process.pid}-${instances}`,
    shutdownGraceMs: 2_000,
    maxConnectionAgeMs: 300_000,
    keepaliveTimeMs: 30_000,
    keepaliveTimeoutMs: 10_000,
    maxConcurrentStreams: 100,
    maxMetadataBytes: 8 * 1024,
    callIdleMs: 20_000,
    maxCallMs: 3_600_000,
    logFormat: 'json',
    logLevel: 'error',
    auth: {},
    workers: 1,
    ...overrides,
  };
}

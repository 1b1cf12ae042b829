import { join } from 'node:path';
import { ConsoleLogger } from '@nestjs/common';
import { workspaceRoot } from '@nx/devkit';
import { type ServiceProcess, spawnService } from '@quartet/grpc-testing';
import { type Backend, BACKENDS } from '../backends/backend-list';
import { type GatewayConfig, loadConfig } from '../config';
import { type RunningGateway, startGateway } from '../gateway';

/** What a backend the test did not start is called at: nothing listens, so its calls fail fast. */
const NOWHERE = '127.0.0.1:9';

/** The gateway's settings for tests: loopback, an ephemeral port, the given backends. */
export function testGatewayConfig(
  targets: Partial<Record<Backend, string>>,
  overrides: Partial<GatewayConfig> = {},
): GatewayConfig {
  return {
    host: '127.0.0.1',
    port: 0,
    targets: Object.fromEntries(BACKENDS.map((backend) => [backend, targets[backend] ?? NOWHERE])) as Record<
      Backend,
      string
    >,
    deadlineMs: 2_000,
    streamDeadlineMs: 60_000,
    webRoot: join(workspaceRoot, 'dist/apps/web'),
    logFormat: 'json',
    limits: loadConfig({}).limits,
    ...overrides,
  };
}

/** Starts the gateway in this process, quiet but for fatal errors. */
export function startTestGateway(
  targets: Partial<Record<Backend, string>>,
  overrides: Partial<GatewayConfig> = {},
): Promise<RunningGateway> {
  return startGateway(testGatewayConfig(targets, overrides), new ConsoleLogger({ logLevels: ['fatal'] }));
}

/** Spawns each built backend on an ephemeral loopback port, with its own environment. */
export async function spawnBackends(
  env: Partial<Record<Backend, Record<string, string>>> = {},
): Promise<Record<Backend, ServiceProcess>> {
  const services = {} as Record<Backend, ServiceProcess>;
  for (const backend of BACKENDS) {
    services[backend] = await spawnService(backend, {
      env: { INSTANCE_ID: `${backend}-1`, ...env[backend] },
    });
  }
  return services;
}

export function addressesOf(services: Record<Backend, ServiceProcess>): Record<Backend, string> {
  return Object.fromEntries(BACKENDS.map((backend) => [backend, services[backend].address])) as Record<
    Backend,
    string
  >;
}

export async function stopAll(services: Partial<Record<Backend, ServiceProcess>>): Promise<void> {
  await Promise.all(Object.values(services).map((service) => service?.stop()));
}

/** The value of one sample in Prometheus text, or 0 when the series does not exist yet. */
export function sample(metrics: string, series: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

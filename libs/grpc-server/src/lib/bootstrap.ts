import { ServerCredentials, type ServerOptions } from '@grpc/grpc-js';
import {
  type DynamicModule,
  type INestMicroservice,
  type LoggerService,
  Module,
  type Type,
} from '@nestjs/common';
import type { Observable } from 'rxjs';
import { NestFactory } from '@nestjs/core';
import { AggregatorRegistry } from 'prom-client';
import { TokenVerifier } from '@quartet/auth';
import { logReloads, tlsServerCredentials } from '@quartet/grpc-tls';
import { type GenericServiceDefinition, grpcPackageDefinition } from '@quartet/proto';
import { type MetricsListener, serveMetrics, tracingOn } from '@quartet/telemetry';
import { CallAuth } from './call-auth';
import { callInterceptor } from './call-interceptor';
import { processLogger } from './config/process-settings';
import type { ServerConfig } from './config/server-config';
import { drainOnSignal } from './drain-on-signal';
import { gracefulShutdown } from './graceful-shutdown';
import { hostPort } from './host-port';
import { GrpcServerStrategy } from './grpc-server.strategy';
import { GrpcStatusFilter } from './grpc-status.filter';
import { HealthStatus } from './health';
import { OpenCalls } from './open-calls';
import { addReflection } from './reflection';
import { ServerMetrics } from './server-metrics';
import { surviveUnexpectedErrors } from './unexpected-errors';
import { superviseWorkers, workerInstanceId, workerRole } from './workers';

export interface GrpcServiceOptions {
  /** The app's root module, already holding its configuration. */
  readonly module: Type<unknown> | DynamicModule;
  /** The services the app serves, as generated in @quartet/proto. */
  readonly services: readonly GenericServiceDefinition[];
  readonly config: ServerConfig;
  /** The largest message the server accepts; larger ones fail with RESOURCE_EXHAUSTED. */
  readonly maxReceiveMessageBytes?: number;
  /**
   * Whether what the app depends on (a database, say) can be used now: health reports
   * NOT_SERVING while it cannot, so that clients and probes send calls elsewhere. Without
   * it the service is SERVING from listening until it stops.
   */
  readonly readiness?: (app: INestMicroservice) => Observable<boolean>;
}

export interface RunningGrpcService {
  readonly app: INestMicroservice;
  /** `host:port` as bound, the real port when the config asked for port 0. */
  readonly address: string;
  readonly port: number;
  readonly health: HealthStatus;
  /** Calls by method, limit refusals, unexpected errors and the service's own figures (see ServerMetrics). */
  readonly metrics: ServerMetrics;
  /** `host:port` of GET /metrics, when METRICS_PORT is set. */
  readonly metricsAddress?: string;
  readonly logger: LoggerService;
  /** Drains and stops the service (see gracefulShutdown); calling it again returns the same stop. */
  stop(): Promise<void>;
}

/** Starts a NestJS gRPC app with health, reflection, `x-served-by`, limits and keepalive. */
export async function startGrpcService(options: GrpcServiceOptions): Promise<RunningGrpcService> {
  const { config } = options;
  const serviceNames = options.services.map((service) => service.fullName);
  const logger = processLogger(config);
  const calls = new OpenCalls(logger, config, config.logLevel);
  const health = new HealthStatus(serviceNames);
  const metrics = new ServerMetrics();
  const verifier = TokenVerifier.from(config.auth);
  const serverOptions: ServerOptions = {
    interceptors: [
      callInterceptor({
        instanceId: config.instanceId,
        calls,
        limits: config,
        metrics,
        auth: new CallAuth(verifier),
      }),
    ],
    // Also the bound after decompression: grpc-js stops inflating a message past it.
    'grpc.max_receive_message_length': options.maxReceiveMessageBytes ?? 64 * 1024,
    'grpc.max_send_message_length': 4 * 1024 * 1024,
    'grpc.max_connection_age_ms': config.maxConnectionAgeMs,
    // Pings find clients that vanished without closing (chat members, abandoned streams).
    'grpc.keepalive_time_ms': config.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': config.keepaliveTimeoutMs,
    // Advertised in HTTP/2 SETTINGS: a client opening more streams has them refused.
    'grpc.max_concurrent_streams': config.maxConcurrentStreams,
  };
  const strategy = new GrpcServerStrategy(
    {
      url: hostPort(config.host, config.port),
      package: [...new Set(serviceNames.map((name) => name.slice(0, name.lastIndexOf('.'))))],
      packageDefinition: grpcPackageDefinition(...options.services),
      onLoadPackageDefinition: (_definition, server) => {
        health.addToServer(server);
        addReflection(server, serviceNames);
      },
    },
    serverOptions,
    serverCredentials(config, logger),
    config.healthPort === undefined ? undefined : hostPort(config.host, config.healthPort),
  );
  const app = await NestFactory.createMicroservice(withServerMetrics(options.module, metrics), {
    strategy,
    logger,
  });
  app.useGlobalFilters(new GrpcStatusFilter());
  await app.listen();
  const { server, port, healthPort } = strategy.listening;
  const readiness = options
    .readiness?.(app)
    .subscribe((ready) => health.setAll(ready ? 'SERVING' : 'NOT_SERVING'));
  if (!readiness) health.setAll('SERVING');
  // The address as it was bound, IPv6 in brackets, so that a client can dial what it reads.
  const address = hostPort(config.host, port);
  const metricsListener = await listenForScrapes(metrics, config);
  logger.log({
    event: 'listening',
    address,
    services: serviceNames,
    instance: config.instanceId,
    transport: config.tls ? (config.tls.clientCaFile ? 'mtls' : 'tls') : 'plaintext',
    callers: verifier ? 'bearer tokens' : 'anonymous',
    tracing: tracingOn() ? 'on' : 'off',
    ...(healthPort === undefined ? {} : { healthAddress: hostPort(config.host, healthPort) }),
    ...(metricsListener ? { metricsAddress: metricsListener.address } : {}),
  });

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= Promise.resolve(readiness?.unsubscribe())
      .then(() => gracefulShutdown(server, health, calls, config.shutdownGraceMs, logger))
      .then(() => {
        calls.close();
        return Promise.all([app.close(), metricsListener?.close()]);
      })
      .then(() => undefined));
  return { app, address, port, health, metrics, metricsAddress: metricsListener?.address, logger, stop };
}

/**
 * The app's module with ServerMetrics beside it, global, so that a service's own figures
 * (TickerMetrics, ChatMetrics, …) register in the registry its /metrics serves.
 */
function withServerMetrics(module: Type<unknown> | DynamicModule, metrics: ServerMetrics): DynamicModule {
  @Module({})
  class ServiceRoot {}
  return {
    module: ServiceRoot,
    global: true,
    imports: [module],
    providers: [{ provide: ServerMetrics, useValue: metrics }],
    exports: [ServerMetrics],
  };
}

/**
 * GET /metrics when METRICS_PORT is set. A worker serves none: it hands its registry to the
 * primary, whose listener adds all the workers' figures up (prom-client's AggregatorRegistry).
 */
async function listenForScrapes(
  metrics: ServerMetrics,
  config: ServerConfig,
): Promise<MetricsListener | undefined> {
  if (workerRole(config.workers) === 'worker') {
    // Constructing one is what makes a worker answer the primary's requests for its figures.
    new AggregatorRegistry();
    AggregatorRegistry.setRegistries([metrics.registry]);
    return undefined;
  }
  return config.metrics && serveMetrics(metrics.registry, config.metrics.host, config.metrics.port);
}

/** Plaintext, or TLS from files that are read again on a timer, so rotation needs no restart. */
function serverCredentials(config: ServerConfig, logger: LoggerService): ServerCredentials {
  if (!config.tls) return ServerCredentials.createInsecure();
  return tlsServerCredentials(config.tls, logReloads(logger));
}

/**
 * The whole life of a service process: start it, or print why its configuration is bad and
 * exit 1; on SIGTERM or SIGINT drain it and exit 0. An error no call handled is logged and
 * the process goes on serving everyone else. With WORKERS > 1 this process supervises that
 * many workers, each of which runs the service (see workers.ts).
 */
export async function runGrpcService(configure: () => GrpcServiceOptions): Promise<void> {
  let service: RunningGrpcService;
  try {
    const options = configure();
    const role = workerRole(options.config.workers);
    if (role === 'primary') return await superviseWorkers(options.config.workers, options.config.metrics);
    const config = { ...options.config, instanceId: workerInstanceId(options.config.instanceId) };
    service = await startGrpcService({ ...options, config });
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
  surviveUnexpectedErrors(service.logger, () => service.metrics.unexpectedError());
  drainOnSignal(
    () => service.stop(),
    (error) => console.error('shutdown failed', error),
  );
}

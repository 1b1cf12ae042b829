import { type Client, type ChannelCredentials, credentials, type ServiceError, status } from '@grpc/grpc-js';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import {
  clientChannelOptions,
  type HealthClient,
  healthClient,
  healthAwareTarget,
} from '@quartet/grpc-client';
import { logReloads, tlsChannelCredentials } from '@quartet/grpc-tls';
import {
  type GenericServiceDefinition,
  type GrpcClient,
  grpcClientConstructor,
  serviceDefinition,
} from '@quartet/proto';
import { catalogueService, gatewayBackends } from '@quartet/service-catalogue';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { GatewayMetrics } from '../metrics/gateway-metrics';

/**
 * One gRPC channel for each service the catalogue says the gateway calls, balanced over its
 * replicas (those not NOT_SERVING, with outlier detection ejecting those that fail most calls)
 * and measured, and a health client for each. Every call passes a deadline: the typed grpc-js
 * clients take one on streaming calls too, which NestJS's ClientGrpc does not.
 */
@Injectable()
export class Backends implements OnApplicationShutdown {
  /** By the service's full name, which the definition a caller passes carries. */
  private readonly clients = new Map<string, Client>();
  /** By the service's app, as /readyz names it. */
  private readonly health = new Map<string, { readonly service: string; readonly client: HealthClient }>();

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig, metrics: GatewayMetrics) {
    const services = gatewayBackends().map(catalogueService);
    const serverName = config.grpcTls?.serverName
      ? { 'grpc.ssl_target_name_override': config.grpcTls.serverName }
      : {};
    // Only the services the catalogue marks idempotent are retried: streams and uploads never are.
    const options = {
      ...clientChannelOptions({
        idempotentServices: services.filter((entry) => entry.idempotent).map((entry) => entry.grpcService),
      }),
      interceptors: [metrics.grpc.interceptor],
      ...serverName,
    };
    const logger = new Logger(Backends.name);
    const channelCredentials = backendCredentials(config, logger);
    for (const { app: backend, grpcService: service } of services) {
      const configured = config.targets[backend];
      if (!configured) throw new Error(`the gateway's configuration has no target for ${backend}`);
      // Replicas reporting NOT_SERVING for the service are left out of the round robin.
      const target = healthAwareTarget(configured, {
        service,
        credentials: channelCredentials,
        serverName: config.grpcTls?.serverName,
        onChange: (address, health) => logger.log({ event: 'replica-health', backend, address, health }),
      });
      const Constructor = grpcClientConstructor(serviceDefinition(service));
      this.clients.set(service, new Constructor(target, channelCredentials, options));
      this.health.set(backend, {
        service,
        client: healthClient(configured, { ...clientChannelOptions(), ...serverName }, channelCredentials),
      });
    }
  }

  /** The client of a service the gateway calls, typed by its generated definition. */
  client<D extends GenericServiceDefinition>(definition: D): GrpcClient<D> {
    return this.clientOf(definition.fullName) as GrpcClient<D>;
  }

  /** The client of a service the gateway calls, by its full name, for calls made by method path. */
  clientOf(service: string): Client {
    const client = this.clients.get(service);
    if (!client)
      throw new Error(`the gateway does not call ${service}: its catalogue entry has no targetVariable`);
    return client;
  }

  /**
   * Each backend's serving status by grpc.health.v1, or why it could not be asked, in words
   * of ours: grpc-js's own text names internal addresses, which callers of /readyz need not see.
   */
  async readiness(timeoutMs: number): Promise<Record<string, string>> {
    const entries = await Promise.all(
      [...this.health].map(
        ([backend, { service, client }]) =>
          new Promise<[string, string]>((resolve) =>
            client.check({ service }, { deadline: Date.now() + timeoutMs }, (error, response) =>
              resolve([backend, error ? notReadyBecause(error, timeoutMs) : (response?.status ?? 'UNKNOWN')]),
            ),
          ),
      ),
    );
    return Object.fromEntries(entries);
  }

  onApplicationShutdown(): void {
    for (const client of this.clients.values()) client.close();
    for (const { client } of this.health.values()) client.close();
  }
}

/** Plaintext, or TLS (mTLS with a client certificate) from files read again on a timer. */
function backendCredentials(config: GatewayConfig, logger: Logger): ChannelCredentials {
  if (!config.grpcTls) return credentials.createInsecure();
  return tlsChannelCredentials(config.grpcTls, logReloads(logger));
}

function notReadyBecause(error: ServiceError, timeoutMs: number): string {
  switch (error.code) {
    case status.UNAVAILABLE:
      return 'unreachable: no replica accepted a connection';
    case status.DEADLINE_EXCEEDED:
      return `unreachable: no answer within ${timeoutMs} ms`;
    case status.UNIMPLEMENTED:
      return 'unknown: what answers there has no grpc.health.v1 service';
    case status.NOT_FOUND:
      return 'unknown: what answers there does not serve this service';
    default:
      return `unreachable: the health check ended with ${status[error.code] ?? 'an unknown status'}`;
  }
}

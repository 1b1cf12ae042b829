import { type ChannelCredentials, credentials, type ServiceError, status } from '@grpc/grpc-js';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import {
  clientChannelOptions,
  type HealthClient,
  healthClient,
  healthAwareTarget,
} from '@quartet/grpc-client';
import { logReloads, tlsChannelCredentials } from '@quartet/grpc-tls';
import { type GrpcClient, grpcClientConstructor } from '@quartet/proto';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { type Backend, BACKEND_LIST, BACKENDS } from './backend-list';

type Clients = { readonly [B in Backend]: GrpcClient<(typeof BACKEND_LIST)[B]['definition']> };

/**
 * One gRPC channel per backend, balanced over its replicas (those not NOT_SERVING, with
 * outlier detection ejecting those that fail most calls) and measured, and a health client
 * for each. Every call passes a deadline: the typed grpc-js clients take one on
 * streaming calls too, which NestJS's ClientGrpc does not.
 */
@Injectable()
export class Backends implements OnApplicationShutdown {
  readonly greeter: Clients['greeter'];
  readonly ticker: Clients['ticker'];
  readonly upload: Clients['upload'];
  readonly chat: Clients['chat'];
  private readonly clients: Clients;
  private readonly health: Record<Backend, HealthClient>;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig, metrics: GatewayMetrics) {
    const serverName = config.grpcTls?.serverName
      ? { 'grpc.ssl_target_name_override': config.grpcTls.serverName }
      : {};
    // Only the services marked idempotent are retried: streams and uploads never are.
    const options = {
      ...clientChannelOptions({
        idempotentServices: BACKENDS.filter((backend) => BACKEND_LIST[backend].idempotent).map(
          (backend) => BACKEND_LIST[backend].definition.fullName,
        ),
      }),
      interceptors: [metrics.grpc.interceptor],
      ...serverName,
    };
    const logger = new Logger(Backends.name);
    const channelCredentials = backendCredentials(config, logger);
    this.clients = Object.fromEntries(
      BACKENDS.map((backend) => {
        const service = BACKEND_LIST[backend].definition.fullName;
        // Replicas reporting NOT_SERVING for the service are left out of the round robin.
        const target = healthAwareTarget(config.targets[backend], {
          service,
          credentials: channelCredentials,
          serverName: config.grpcTls?.serverName,
          onChange: (address, health) => logger.log({ event: 'replica-health', backend, address, health }),
        });
        return [
          backend,
          new (grpcClientConstructor(BACKEND_LIST[backend].definition))(target, channelCredentials, options),
        ];
      }),
    ) as unknown as Clients;
    ({ greeter: this.greeter, ticker: this.ticker, upload: this.upload, chat: this.chat } = this.clients);
    this.health = Object.fromEntries(
      BACKENDS.map((backend) => [
        backend,
        healthClient(
          config.targets[backend],
          { ...clientChannelOptions(), ...serverName },
          channelCredentials,
        ),
      ]),
    ) as Record<Backend, HealthClient>;
  }

  /** The client of any backend in backends/backend-list.ts. */
  client<B extends Backend>(backend: B): Clients[B] {
    return this.clients[backend];
  }

  /**
   * Each backend's serving status by grpc.health.v1, or why it could not be asked, in words
   * of ours: grpc-js's own text names internal addresses, which callers of /readyz need not see.
   */
  async readiness(timeoutMs: number): Promise<Record<Backend, string>> {
    const entries = await Promise.all(
      BACKENDS.map(
        (backend) =>
          new Promise<[Backend, string]>((resolve) =>
            this.health[backend].check(
              { service: BACKEND_LIST[backend].definition.fullName },
              { deadline: Date.now() + timeoutMs },
              (error, response) =>
                resolve([
                  backend,
                  error ? notReadyBecause(error, timeoutMs) : (response?.status ?? 'UNKNOWN'),
                ]),
            ),
          ),
      ),
    );
    return Object.fromEntries(entries) as Record<Backend, string>;
  }

  onApplicationShutdown(): void {
    for (const client of [...Object.values(this.clients), ...Object.values(this.health)]) client.close();
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

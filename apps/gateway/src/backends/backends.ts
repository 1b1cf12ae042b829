import { credentials } from '@grpc/grpc-js';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { clientChannelOptions, type HealthClient, healthClient } from '@quartet/grpc-client';
import {
  ChatServiceDefinition,
  type GenericServiceDefinition,
  GreeterDefinition,
  type GrpcClient,
  grpcClientConstructor,
  TickerServiceDefinition,
  UploadServiceDefinition,
} from '@quartet/proto';
import { type Backend, GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { GatewayMetrics } from '../metrics/gateway-metrics';

const DEFINITIONS = {
  greeter: GreeterDefinition,
  ticker: TickerServiceDefinition,
  upload: UploadServiceDefinition,
  chat: ChatServiceDefinition,
} satisfies Record<Backend, GenericServiceDefinition>;

const BACKENDS = Object.keys(DEFINITIONS) as Backend[];

/**
 * One gRPC channel per backend, balanced over its replicas and measured, and a health
 * client for each. Every call passes a deadline: the typed grpc-js clients take one on
 * streaming calls too, which NestJS's ClientGrpc does not.
 */
@Injectable()
export class Backends implements OnApplicationShutdown {
  readonly greeter: GrpcClient<typeof GreeterDefinition>;
  readonly ticker: GrpcClient<typeof TickerServiceDefinition>;
  readonly upload: GrpcClient<typeof UploadServiceDefinition>;
  readonly chat: GrpcClient<typeof ChatServiceDefinition>;
  private readonly health: Record<Backend, HealthClient>;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig, metrics: GatewayMetrics) {
    // Only SayHello is safe to repeat: streams and uploads are never retried.
    const options = {
      ...clientChannelOptions({ idempotentServices: [GreeterDefinition.fullName] }),
      interceptors: [metrics.grpc.interceptor],
    };
    const client = <D extends GenericServiceDefinition>(definition: D, backend: Backend) =>
      new (grpcClientConstructor(definition))(config.targets[backend], credentials.createInsecure(), options);
    this.greeter = client(GreeterDefinition, 'greeter');
    this.ticker = client(TickerServiceDefinition, 'ticker');
    this.upload = client(UploadServiceDefinition, 'upload');
    this.chat = client(ChatServiceDefinition, 'chat');
    this.health = Object.fromEntries(
      BACKENDS.map((backend) => [backend, healthClient(config.targets[backend])]),
    ) as Record<Backend, HealthClient>;
  }

  /** Each backend's serving status by grpc.health.v1, or why it could not be asked. */
  async readiness(timeoutMs: number): Promise<Record<Backend, string>> {
    const entries = await Promise.all(
      BACKENDS.map(
        (backend) =>
          new Promise<[Backend, string]>((resolve) =>
            this.health[backend].check(
              { service: DEFINITIONS[backend].fullName },
              { deadline: Date.now() + timeoutMs },
              (error, response) =>
                resolve([backend, error ? `unreachable: ${error.details}` : (response?.status ?? 'UNKNOWN')]),
            ),
          ),
      ),
    );
    return Object.fromEntries(entries) as Record<Backend, string>;
  }

  onApplicationShutdown(): void {
    for (const client of [this.greeter, this.ticker, this.upload, this.chat, ...Object.values(this.health)]) {
      client.close();
    }
  }
}

import { credentials } from '@grpc/grpc-js';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { clientChannelOptions, type HealthClient, healthClient } from '@quartet/grpc-client';
import {
  ChatServiceDefinition,
  GreeterDefinition,
  type GrpcClient,
  grpcClientConstructor,
  TickerServiceDefinition,
  UploadServiceDefinition,
} from '@quartet/proto';
import { type Backend, GATEWAY_CONFIG, type GatewayConfig } from '../config';

const SERVICES: Record<Backend, string> = {
  greeter: GreeterDefinition.fullName,
  ticker: TickerServiceDefinition.fullName,
  upload: UploadServiceDefinition.fullName,
  chat: ChatServiceDefinition.fullName,
};

/** One gRPC channel per backend, balanced over its replicas, and a health client for each. */
@Injectable()
export class Backends implements OnApplicationShutdown {
  readonly greeter: GrpcClient<typeof GreeterDefinition>;
  private readonly health: Record<Backend, HealthClient>;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    // Only SayHello is safe to repeat: streams and uploads are never retried.
    const options = clientChannelOptions({ idempotentServices: [GreeterDefinition.fullName] });
    this.greeter = new (grpcClientConstructor(GreeterDefinition))(
      config.targets.greeter,
      credentials.createInsecure(),
      options,
    );
    this.health = Object.fromEntries(
      (Object.keys(SERVICES) as Backend[]).map((backend) => [backend, healthClient(config.targets[backend])]),
    ) as Record<Backend, HealthClient>;
  }

  /** Each backend's serving status by grpc.health.v1, or why it could not be asked. */
  async readiness(timeoutMs: number): Promise<Record<Backend, string>> {
    const entries = await Promise.all(
      (Object.keys(SERVICES) as Backend[]).map(
        (backend) =>
          new Promise<[Backend, string]>((resolve) =>
            this.health[backend].check(
              { service: SERVICES[backend] },
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
    this.greeter.close();
    for (const client of Object.values(this.health)) client.close();
  }
}

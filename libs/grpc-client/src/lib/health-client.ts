import {
  type CallOptions,
  type ChannelCredentials,
  type ChannelOptions,
  type Client,
  type ClientReadableStream,
  type ServiceDefinition,
  type ServiceError,
  credentials,
  makeGenericClientConstructor,
} from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { clientChannelOptions } from './channel-options';

export type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

type HealthCallback = (error: ServiceError | null, response?: { status: ServingStatus }) => void;

/** A grpc.health.v1.Health client, as load balancers and Kubernetes probes use it. */
export type HealthClient = Client & {
  check(request: { service: string }, callback: HealthCallback): void;
  check(request: { service: string }, options: Partial<CallOptions>, callback: HealthCallback): void;
  watch(request: { service: string }): ClientReadableStream<{ status: ServingStatus }>;
};

const Health = makeGenericClientConstructor(healthService as ServiceDefinition, 'Health');

export function healthClient(
  target: string,
  options: ChannelOptions = clientChannelOptions(),
  channelCredentials: ChannelCredentials = credentials.createInsecure(),
): HealthClient {
  return new Health(target, channelCredentials, options) as unknown as HealthClient;
}

import type { ChannelOptions } from '@grpc/grpc-js';

export interface ChannelPolicy {
  /**
   * Services whose unary methods are safe to repeat: a call that fails with UNAVAILABLE
   * (a replica stopping, a connection lost before the call started) is tried again, on
   * another replica, up to `maxAttempts` times in all.
   */
  readonly idempotentServices?: readonly string[];
  readonly maxAttempts?: number;
}

/**
 * Channel options for calling quartet's services: round robin over every address of the
 * target (per call, not per connection), retries through a gRPC service config, keepalive
 * pings so that a dead connection is noticed between calls, and DNS re-resolution.
 */
export function clientChannelOptions({
  idempotentServices = [],
  maxAttempts = 4,
}: ChannelPolicy = {}): ChannelOptions {
  const serviceConfig = {
    loadBalancingConfig: [{ round_robin: {} }],
    methodConfig:
      idempotentServices.length === 0
        ? []
        : [
            {
              name: idempotentServices.map((service) => ({ service })),
              retryPolicy: {
                maxAttempts,
                initialBackoff: '0.05s',
                maxBackoff: '1s',
                backoffMultiplier: 2,
                retryableStatusCodes: ['UNAVAILABLE'],
              },
            },
          ],
  };
  return {
    'grpc.service_config': JSON.stringify(serviceConfig),
    // The service config is ours; a DNS TXT record must not replace it.
    'grpc.service_config_disable_resolution': 1,
    'grpc.enable_retries': 1,
    'grpc.keepalive_time_ms': 20_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.keepalive_permit_without_calls': 1,
    // When connections close (a replica stopped, MAX_CONNECTION_AGE reached), DNS is asked
    // again at most this often, so new replicas are found within seconds.
    'grpc.dns_min_time_between_resolutions_ms': 5_000,
    'grpc.initial_reconnect_backoff_ms': 200,
    'grpc.max_reconnect_backoff_ms': 5_000,
  };
}

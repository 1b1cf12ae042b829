import type { ChannelOptions } from '@grpc/grpc-js';

export interface ChannelPolicy {
  /**
   * Services whose unary methods are safe to repeat: a call that fails with UNAVAILABLE
   * (a replica stopping or failing, a connection lost before the call started) is tried again
   * at once, on the next replica, up to `maxAttempts` times in all.
   */
  readonly idempotentServices?: readonly string[];
  readonly maxAttempts?: number;
}

/**
 * Outlier detection (gRFC A50) around round robin: every second, a replica that failed at
 * least half of its calls (of 10 or more) is ejected: it gets no calls for 5 s, longer each
 * time it is ejected again (up to 60 s), and comes back after. Never more than half of the
 * replicas are out at once, and only when at least two have had calls to compare.
 */
export const OUTLIER_DETECTION = {
  interval: { seconds: 1, nanos: 0 },
  base_ejection_time: { seconds: 5, nanos: 0 },
  max_ejection_time: { seconds: 60, nanos: 0 },
  max_ejection_percent: 50,
  failure_percentage_ejection: {
    threshold: 50,
    enforcement_percentage: 100,
    minimum_hosts: 2,
    request_volume: 10,
  },
} as const;

/**
 * Channel options for calling quartet's services: round robin over every address of the
 * target (per call, not per connection) with outlier detection, retries through a gRPC
 * service config, keepalive pings so that a dead connection is noticed between calls, and
 * DNS re-resolution.
 */
export function clientChannelOptions({
  idempotentServices = [],
  maxAttempts = 4,
}: ChannelPolicy = {}): ChannelOptions {
  const serviceConfig = {
    // grpc-js reads these durations as {seconds, nanos}, not the "1s" strings of other languages.
    loadBalancingConfig: [
      { outlier_detection: { ...OUTLIER_DETECTION, child_policy: [{ round_robin: {} }] } },
    ],
    methodConfig:
      idempotentServices.length === 0
        ? []
        : [
            {
              name: idempotentServices.map((service) => ({ service })),
              retryPolicy: {
                maxAttempts,
                // Retried at once, so that the retry takes the next replica of the round robin
                // rather than whichever the picks of other calls leave it: a call then fails only
                // if every attempt meets a failing replica.
                initialBackoff: '0.001s',
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

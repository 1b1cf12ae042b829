import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { type MetricsListener as Listening, serveMetrics } from '@quartet/telemetry';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { GatewayMetrics } from './gateway-metrics';

/**
 * GET /metrics on a listener of its own (METRICS_HOST:METRICS_PORT, loopback by default), so
 * that the public port does not tell anyone how the gateway is doing. Prometheus, a sidecar or
 * `kubectl port-forward` reaches it; nothing else answers there.
 */
@Injectable()
export class MetricsListener implements OnApplicationShutdown {
  private listening?: Listening;

  constructor(
    private readonly metrics: GatewayMetrics,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** Starts listening; resolves with `host:port` as bound. */
  async listen(): Promise<string> {
    this.listening = await serveMetrics(
      this.metrics.registry,
      this.config.metrics.host,
      this.config.metrics.port,
    );
    return this.listening.address;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.listening?.close();
  }
}

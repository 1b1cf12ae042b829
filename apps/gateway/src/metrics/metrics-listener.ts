import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { GatewayMetrics } from './gateway-metrics';

/**
 * GET /metrics on a listener of its own (METRICS_HOST:METRICS_PORT, loopback by default), so
 * that the public port does not tell anyone how the gateway is doing. Prometheus, a sidecar or
 * `kubectl port-forward` reaches it; nothing else answers there.
 */
@Injectable()
export class MetricsListener implements OnApplicationShutdown {
  private server?: Server;

  constructor(
    private readonly metrics: GatewayMetrics,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** Starts listening; resolves with `host:port` as bound. */
  async listen(): Promise<string> {
    const server = createServer((request, response) => {
      if (request.method !== 'GET' || request.url?.split('?', 1)[0] !== '/metrics') {
        response.writeHead(404, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({ error: { code: 'NOT_FOUND', message: 'only GET /metrics is served here' } }),
        );
        return;
      }
      this.metrics.registry.metrics().then(
        (text) => {
          response.writeHead(200, { 'content-type': this.metrics.registry.contentType });
          response.end(text);
        },
        () => {
          response.writeHead(500, { 'content-type': 'application/json' });
          response.end(
            JSON.stringify({ error: { code: 'INTERNAL', message: 'the metrics could not be collected' } }),
          );
        },
      );
    });
    this.server = server;
    const { host, port } = this.config.metrics;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
    return `${host}:${(server.address() as AddressInfo).port}`;
  }

  onApplicationShutdown(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What serves the text: a prom-client Registry, or the primary's view of its workers' registries. */
export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
}

export interface MetricsListener {
  /** `host:port` as bound, the real port when port 0 was asked for. */
  readonly address: string;
  close(): Promise<void>;
}

/**
 * GET /metrics in Prometheus's text format on a listener of its own, apart from the port
 * that serves users, so that only Prometheus (or a port-forward) sees how a process is
 * doing. Anything else there is a 404 with a JSON body.
 */
export async function serveMetrics(
  registry: MetricsSource,
  host: string,
  port: number,
): Promise<MetricsListener> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?', 1)[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({ error: { code: 'NOT_FOUND', message: 'only GET /metrics is served here' } }),
      );
      return;
    }
    registry.metrics().then(
      (text) => {
        response.writeHead(200, { 'content-type': registry.contentType });
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
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const bound = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    address: `${shownHost}:${bound.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

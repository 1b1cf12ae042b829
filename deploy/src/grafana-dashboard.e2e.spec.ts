import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServiceProcess, spawnService } from '@quartet/grpc-testing';
import { CATALOGUE as catalogue } from '@quartet/service-catalogue';

const dashboard = JSON.parse(readFileSync(join(__dirname, '..', 'grafana', 'quartet.json'), 'utf8')) as {
  panels: { type: string; title: string; targets?: { expr: string }[] }[];
};

/** PromQL's own words, which are not metric names. */
const PROMQL = new Set([
  ...['sum', 'avg', 'min', 'max', 'count', 'rate', 'irate', 'increase', 'histogram_quantile'],
  ...['and', 'or', 'unless', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool'],
]);

/** The metric names a PromQL expression reads: what is left once strings, matchers, ranges and groupings are gone. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(?:by|without)\s*\([^)]*\)/g, '');
  return (bare.match(/[A-Za-z_:][A-Za-z0-9_:]*/g) ?? []).filter((word) => !PROMQL.has(word));
}

/** Every series name a Prometheus text exposition declares (a histogram's as _bucket, _sum and _count). */
function declaredNames(text: string): string[] {
  return [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap(([, name, type]) =>
    type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name as string],
  );
}

const listeningMetrics = (process: ServiceProcess) =>
  (process.listening as { metricsAddress: string }).metricsAddress;

describe('deploy/grafana/quartet.json', () => {
  const queries = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
  const used = [...new Set(queries.flatMap(metricNames))];
  const running: ServiceProcess[] = [];
  const uploadDir = mkdtempSync(join(tmpdir(), 'quartet-dashboard-'));
  let exported: Set<string>;

  beforeAll(async () => {
    for (const { app } of catalogue.services) {
      running.push(await spawnService(app, { env: { METRICS_PORT: '0', UPLOAD_DIR: uploadDir } }));
    }
    running.push(
      await spawnService('gateway', {
        env: { AUTH_SECRET: 'x'.repeat(32), METRICS_PORT: '0', SHUTDOWN_SETTLE_MS: '0' },
      }),
    );
    const texts = await Promise.all(
      running.map(async (process) => (await fetch(`http://${listeningMetrics(process)}/metrics`)).text()),
    );
    exported = new Set(texts.flatMap(declaredNames));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(running.map((process) => process.stop()));
    rmSync(uploadDir, { recursive: true, force: true });
  }, 30_000);

  it('reads only metrics that the built gateway and services really export', () => {
    expect(used.length).toBeGreaterThan(10);
    expect(used.filter((name) => !exported.has(name))).toEqual([]);
  });

  it('has rate, errors and latency per gRPC method and HTTP route, and the streams’ figures', () => {
    expect(used).toEqual(
      expect.arrayContaining([
        'grpc_server_handled_total',
        'grpc_server_handling_seconds_bucket',
        'grpc_server_msg_sent_total',
        'grpc_client_handled_total',
        'http_requests_total',
        'http_request_duration_seconds_bucket',
        'ticker_open_streams',
        'ticker_paused_streams',
        'chat_members',
        'chat_rooms',
        'chat_members_cut_off_total',
        'upload_active_uploads',
        'upload_received_bytes_total',
        'gateway_open_streams',
      ]),
    );
    expect(queries.some((expr) => /grpc_server_handled_total\{grpc_code!/.test(expr))).toBe(true);
    expect(
      queries.some((expr) =>
        /histogram_quantile\(0\.99, sum by \(le, grpc_service, grpc_method\)/.test(expr),
      ),
    ).toBe(true);
  });

  it('would notice a query naming a metric nobody exports', () => {
    const typo = metricNames('sum by (grpc_method) (rate(grpc_server_handeld_total{grpc_code!="OK"}[5m]))');
    expect(typo).toEqual(['grpc_server_handeld_total']);
    expect(exported.has('grpc_server_handeld_total')).toBe(false);
  });
});

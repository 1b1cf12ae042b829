import cluster, { type Worker } from 'node:cluster';
import { serveMetrics } from '@quartet/telemetry';
import { AggregatorRegistry } from 'prom-client';
import { drainOnSignal } from './drain-on-signal';

/**
 * Runs `count` workers of this same program and supervises them, in the primary process of a
 * service started with WORKERS > 1. Each worker is the whole service and listens on the same
 * port: Node's cluster module holds the listening socket in the primary and hands each new
 * connection to the next worker, so connections (and their HTTP/2 calls) are spread over the
 * workers and every core serves. A worker that dies is replaced; SIGTERM or SIGINT is passed
 * to every worker, each drains as a single process would, and the primary exits 0 once all
 * have (1 if any failed to). With `metrics` the primary serves GET /metrics there: every
 * worker's figures added up.
 */
export async function superviseWorkers(
  count: number,
  metrics?: { readonly host: string; readonly port: number },
): Promise<void> {
  let stopping = false;
  let failed = false;
  let allExited: () => void = () => undefined;
  const log = (message: Record<string, unknown>) =>
    console.log(JSON.stringify({ level: 'log', pid: process.pid, timestamp: Date.now(), message }));
  const start = () => cluster.fork();
  cluster.on('exit', (worker: Worker, code, signal) => {
    if (stopping) {
      if (code !== 0) failed = true;
      if (Object.keys(cluster.workers ?? {}).length === 0) allExited();
      return;
    }
    log({ event: 'worker-exited', worker: worker.id, code, signal, action: 'replaced' });
    start();
  });
  drainOnSignal(
    async (signal) => {
      stopping = true;
      const exited = new Promise<void>((resolve) => (allExited = resolve));
      const workers = Object.values(cluster.workers ?? {});
      for (const worker of workers) worker?.process.kill(signal);
      if (workers.length === 0) allExited();
      await exited;
      if (failed) throw new Error('a worker did not drain: it exited with a code other than 0');
    },
    (error) => log({ event: 'shutdown-failed', error: String(error) }),
  );
  const aggregated = new AggregatorRegistry();
  const listener =
    metrics &&
    (await serveMetrics(
      { metrics: () => aggregated.clusterMetrics(), contentType: aggregated.contentType },
      metrics.host,
      metrics.port,
    ));
  log({ event: 'workers', count, ...(listener ? { metricsAddress: listener.address } : {}) });
  for (let i = 0; i < count; i += 1) start();
}

/** This process's place: the primary of several workers, one of them, or a single process. */
export function workerRole(workers: number): 'primary' | 'worker' | 'single' {
  if (workers <= 1) return 'single';
  return cluster.isPrimary ? 'primary' : 'worker';
}

/** `instanceId` of worker n: `<instance>.w<n>`, so that x-served-by names the worker that answered. */
export function workerInstanceId(instanceId: string): string {
  return cluster.isWorker && cluster.worker ? `${instanceId}.w${cluster.worker.id}` : instanceId;
}

import { appendFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from '@nx/devkit';
import { memoryLimitMiB } from '@quartet/grpc-testing';

/**
 * The RSS a process under attack may reach: nine tenths of the memory limit its Kubernetes
 * manifest gives it (deploy/k8s/<app>.yaml), so that an attack never gets it OOM-killed. A
 * quiet service on Node 24 is about 110 MB, the gateway about 120 MB.
 */
export function rssBoundMb(app: string): number {
  return Math.floor((memoryLimitMiB(app) * 1.048576 * 9) / 10);
}

/** What one attack case measured, for the assertions and the report. */
export interface AttackFigures<T> {
  /** What the attacker got. */
  readonly answer: T;
  readonly honestCalls: number;
  readonly honestFailures: string[];
  readonly honestP50Ms: number;
  readonly honestMaxMs: number;
  readonly peakRssMb: number;
}

/** The resident memory of a process, from /proc. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN);
  return Math.round(kb / 102.4) / 10;
}

/** Open file descriptors of a process: sockets, files, pipes. */
export function openHandles(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

/**
 * Runs `attack` against the process `pid` while an honest client calls `honest` one call
 * after another (at most `maxHonestCalls`, for as long as the attack lasts and at least
 * `minHonestMs`), sampling the target's RSS throughout. Each case's figures are appended
 * to reports/apps/attacks-e2e/figures.jsonl.
 */
export async function underAttack<T>(
  name: string,
  pid: number,
  attack: () => Promise<T>,
  honest: () => Promise<void>,
  { minHonestMs = 500, maxHonestCalls = 2_000 } = {},
): Promise<AttackFigures<T>> {
  let peakRssMb = rssMb(pid);
  const sampler = setInterval(() => {
    try {
      peakRssMb = Math.max(peakRssMb, rssMb(pid));
    } catch {
      // The process is gone; the test's own assertions say so.
    }
  }, 25);
  const latencies: number[] = [];
  const honestFailures: string[] = [];
  let attackDone = false;
  const started = Date.now();
  const honestLoop = (async () => {
    while (latencies.length + honestFailures.length < maxHonestCalls) {
      if (attackDone && Date.now() - started >= minHonestMs) break;
      const callStarted = performance.now();
      try {
        await honest();
        latencies.push(performance.now() - callStarted);
      } catch (error) {
        honestFailures.push(error instanceof Error ? error.message : String(error));
      }
    }
  })();
  try {
    const answer = await attack();
    attackDone = true;
    await honestLoop;
    const sorted = [...latencies].sort((a, b) => a - b);
    const figures: AttackFigures<T> = {
      answer,
      honestCalls: latencies.length + honestFailures.length,
      honestFailures,
      honestP50Ms: Math.round(percentile(sorted, 0.5) * 10) / 10,
      honestMaxMs: Math.round((sorted[sorted.length - 1] ?? Number.NaN) * 10) / 10,
      peakRssMb,
    };
    report(name, figures);
    return figures;
  } finally {
    attackDone = true;
    clearInterval(sampler);
    await honestLoop;
  }
}

function report(name: string, figures: AttackFigures<unknown>): void {
  const dir = join(workspaceRoot, 'reports', 'apps', 'attacks-e2e');
  mkdirSync(dir, { recursive: true });
  const { answer, honestFailures, ...numbers } = figures;
  appendFileSync(
    join(dir, 'figures.jsonl'),
    `${JSON.stringify({ name, answer, ...numbers, honestFailures: honestFailures.length })}\n`,
  );
}

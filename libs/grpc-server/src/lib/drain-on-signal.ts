import { stopTracing } from '@quartet/telemetry';

export type StopSignal = 'SIGTERM' | 'SIGINT';

/**
 * The one way a quartet process ends, service or gateway: on SIGTERM or SIGINT, `drain` (which
 * finishes or ends what clients hold), then the last spans flushed, then exit 0; exit 1, after
 * `failed` has said why, when the drain throws. A second signal while draining changes nothing.
 */
export function drainOnSignal(
  drain: (signal: StopSignal) => Promise<unknown>,
  failed: (error: unknown) => void,
): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      drain(signal)
        .then(stopTracing)
        .then(
          () => process.exit(0),
          (error: unknown) => {
            failed(error);
            process.exit(1);
          },
        );
    });
  }
}

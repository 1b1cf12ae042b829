import { Counter, Registry } from 'prom-client';

/** The limits a service enforces, by the name its refusals are counted under. */
export type LimitName = 'metadata_size' | 'call_idle' | 'max_call';

/**
 * A service's own Prometheus registry: the refusals of every limit and the errors that
 * reached the process instead of a call. One registry per service, so that tests can run
 * several in one process.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  private readonly refusals = new Counter<'limit'>({
    name: 'grpc_server_limit_refusals_total',
    help: 'Calls ended or refused because they went past a limit, by limit.',
    labelNames: ['limit'],
    registers: [this.registry],
  });
  private readonly unexpected = new Counter({
    name: 'process_unexpected_errors_total',
    help: 'Errors no call handled (logged; the process went on serving).',
    registers: [this.registry],
  });

  refused(limit: LimitName): void {
    this.refusals.inc({ limit });
  }

  unexpectedError(): void {
    this.unexpected.inc();
  }

  /** How many refusals a limit has counted, for tests and logs. */
  async refusalsOf(limit: LimitName): Promise<number> {
    const { values } = await this.refusals.get();
    return values.find((value) => value.labels.limit === limit)?.value ?? 0;
  }
}

import type { ServerMethodDefinition } from '@grpc/grpc-js';
import { GrpcCallMetrics, type MethodMetrics } from '@quartet/telemetry';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';

/** The limits a service enforces, by the name its refusals are counted under. */
export type LimitName = 'metadata_size' | 'call_idle' | 'max_call';

/**
 * A service's own Prometheus registry: every call by method in go-grpc-prometheus's names
 * (`grpc_server_started_total`, `_handled_total`, `_handling_seconds`, `_msg_received_total`,
 * `_msg_sent_total`, with its `grpc_type`/`grpc_service`/`grpc_method`/`grpc_code` labels),
 * the refusals of every limit, errors that reached the process instead of a call, and
 * Node's process metrics. The service's own figures register here too. One registry per
 * service, so that tests can run several in one process.
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
  private readonly calls = new GrpcCallMetrics(this.registry, 'server');

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** The figures of one method, made the first time it is called. */
  method(definition: ServerMethodDefinition<unknown, unknown>): MethodMetrics {
    return this.calls.method(definition);
  }

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

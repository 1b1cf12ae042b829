import { Injectable, Optional } from '@nestjs/common';
import { scrapedCounter, scrapedGauge, ServerMetrics } from '@quartet/grpc-server';
import { Registry } from 'prom-client';

/**
 * What the ticker is doing now: streams, ticks, and streams held back by slow clients. Plain
 * numbers its code counts (a tick is too frequent for a labelled metric), served as
 * `ticker_*` metrics on the service's /metrics.
 */
@Injectable()
export class TickerMetrics {
  activeStreams = 0;
  ticksProduced = 0;
  /** Streams whose client has not read what was sent, so no tick is produced for them. */
  streamsWaitingForClient = 0;

  /** Without the service's ServerMetrics (a unit test), into a registry nobody scrapes. */
  constructor(@Optional() server?: ServerMetrics) {
    const registry = server?.registry ?? new Registry();
    scrapedGauge(registry, {
      name: 'ticker_open_streams',
      help: 'Watch streams open now.',
      read: () => this.activeStreams,
    });
    scrapedGauge(registry, {
      name: 'ticker_paused_streams',
      help: 'Watch streams waiting for their client to read what was sent (no tick is made for them).',
      read: () => this.streamsWaitingForClient,
    });
    scrapedCounter(registry, {
      name: 'ticker_ticks_total',
      help: 'Ticks sent, over every stream.',
      read: () => this.ticksProduced,
    });
  }
}

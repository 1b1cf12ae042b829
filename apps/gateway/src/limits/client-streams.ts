import type { EventEmitter } from 'node:events';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { SharedState } from '../shared-state/shared-state';
import { StreamLeases } from './stream-leases';
import { perClientRefusal, type SlotRefusal, StreamSlots } from './stream-slots';

/**
 * The gateway's long requests (SSE, WebSocket, upload), under one cap per process (MAX_STREAMS:
 * its own sockets and memory) and one per client address (MAX_STREAMS_PER_CLIENT), which with
 * REDIS_URL holds over every replica, and otherwise, or while Redis is away, per process.
 */
@Injectable()
export class ClientStreams implements OnApplicationShutdown {
  private readonly slots: StreamSlots;
  private readonly leases: StreamLeases;
  private readonly perClient: number;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly metrics: GatewayMetrics,
    shared: SharedState,
  ) {
    this.slots = new StreamSlots(config.limits);
    this.leases = new StreamLeases(shared, config.limits.streamLeaseMs);
    this.perClient = config.limits.maxStreamsPerClient;
  }

  /**
   * Takes a slot for the client at `address`, given back when `stream` (the response, or the
   * upgraded socket) closes, whatever ends it; or says why not, counted by limit.
   */
  async open(address: string, stream: EventEmitter): Promise<SlotRefusal | undefined> {
    const local = this.slots.acquire(address, { perClient: false });
    if ('limit' in local) return this.refused(local);
    let closed = false;
    const releases = [local.release];
    const releaseAll = () => releases.forEach((release) => release());
    stream.once('close', () => {
      closed = true;
      releaseAll();
    });
    const lease = await this.leases.take(address, this.perClient);
    if (lease === undefined) {
      // Redis cannot say: this process's own count of the client decides.
      local.release();
      const counted = this.slots.acquire(address);
      if ('limit' in counted) return this.refused(counted);
      releases.push(counted.release);
    } else if ('held' in lease) {
      local.release();
      return this.refused(perClientRefusal(lease.held, this.perClient));
    } else {
      releases.push(lease.release);
    }
    if (closed) releaseAll();
    return undefined;
  }

  onApplicationShutdown(): void {
    this.leases.stop();
  }

  private refused(refusal: SlotRefusal): SlotRefusal {
    this.metrics.refused(refusal.limit);
    return refusal;
  }
}

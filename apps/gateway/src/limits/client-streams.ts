import type { EventEmitter } from 'node:events';
import { Inject, Injectable } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { type SlotRefusal, StreamSlots } from './stream-slots';

/** The gateway's long requests (SSE, WebSocket, upload), under one cap in all and one per client address. */
@Injectable()
export class ClientStreams {
  private readonly slots: StreamSlots;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly metrics: GatewayMetrics,
  ) {
    this.slots = new StreamSlots(config.limits);
  }

  /**
   * Takes a slot for the client at `address`, given back when `stream` (the response, or the
   * upgraded socket) closes, whatever ends it; or says why not, counted by limit.
   */
  open(address: string, stream: EventEmitter): SlotRefusal | undefined {
    const slot = this.slots.acquire(address);
    if ('limit' in slot) {
      this.metrics.refused(slot.limit);
      return slot;
    }
    stream.once('close', slot.release);
    return undefined;
  }
}

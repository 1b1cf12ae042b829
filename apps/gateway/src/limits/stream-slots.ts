/** Why a stream was refused: too many open in all, or from the client's address. */
export interface SlotRefusal {
  readonly limit: 'streams_total' | 'streams_per_client';
  readonly message: string;
}

/** The refusal of a client that holds `held` streams of its `limit`, wherever they were counted. */
export function perClientRefusal(held: number, limit: number): SlotRefusal {
  return {
    limit: 'streams_per_client',
    message: `this client already has ${held} open streams; the limit is ${limit}`,
  };
}

export interface StreamSlotLimits {
  readonly maxStreams: number;
  readonly maxStreamsPerClient: number;
}

/**
 * The long-lived streams (SSE and WebSocket) the gateway holds, counted in total and per
 * client address, so that one client cannot take the slots everyone else needs.
 */
export class StreamSlots {
  private open = 0;
  private readonly byClient = new Map<string, number>();

  constructor(private readonly limits: StreamSlotLimits) {}

  get size(): number {
    return this.open;
  }

  /**
   * Takes a slot for `client`; the release it returns is safe to call more than once.
   * `perClient: false` leaves the client's limit to the caller (counted for all replicas).
   */
  acquire(client: string, { perClient = true } = {}): { release: () => void } | SlotRefusal {
    const held = this.byClient.get(client) ?? 0;
    if (perClient && held >= this.limits.maxStreamsPerClient) {
      return perClientRefusal(held, this.limits.maxStreamsPerClient);
    }
    if (this.open >= this.limits.maxStreams) {
      return {
        limit: 'streams_total',
        message: `the gateway has ${this.open} open streams, its limit; try again later`,
      };
    }
    this.open += 1;
    this.byClient.set(client, held + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.open -= 1;
        const left = (this.byClient.get(client) ?? 1) - 1;
        if (left === 0) this.byClient.delete(client);
        else this.byClient.set(client, left);
      },
    };
  }
}

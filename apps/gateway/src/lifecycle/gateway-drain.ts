import type { Server, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';

/** A long-lived response the drain ends itself: an SSE stream (WebSockets are closed by the chat socket server). */
export interface DrainableStream {
  /** Tells the client the gateway is going away, so that it reconnects elsewhere, and ends. */
  endForShutdown(): void;
}

export type DrainState = 'serving' | 'draining' | 'refusing';

/** What a drain did, for its log line and the tests. */
export interface DrainFigures {
  readonly streamsEnded: number;
  readonly requestsLeftAtGrace: number;
  readonly ms: number;
}

/**
 * The gateway's shutdown, in the order a load balancer needs it: /readyz fails at once while
 * everything is still served (SHUTDOWN_SETTLE_MS); then the listener closes, requests on
 * kept-alive connections are answered 503, every stream is ended with a final event or close
 * code 1001, and running requests (unary calls, uploads) get SHUTDOWN_GRACE_MS to finish
 * before what is left is cut.
 */
@Injectable()
export class GatewayDrain {
  private current: DrainState = 'serving';
  private readonly streams = new Set<DrainableStream>();
  private inFlight = 0;
  private allDone?: () => void;
  private readonly logger = new Logger(GatewayDrain.name);

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  get state(): DrainState {
    return this.current;
  }

  /** Counts a request until its response closes, whatever ends it. */
  track(response: ServerResponse): void {
    this.inFlight += 1;
    response.once('close', () => {
      this.inFlight -= 1;
      if (this.inFlight === 0) this.allDone?.();
    });
  }

  /** Registers a stream for the drain to end; returns its unregistration. */
  addStream(stream: DrainableStream): () => void {
    this.streams.add(stream);
    return () => this.streams.delete(stream);
  }

  /**
   * Runs the drain on `server` (its HTTP server); `endSockets` ends the WebSockets, which live
   * outside HTTP requests. Resolves once nothing is left running, at most settle plus grace
   * after it began.
   */
  async drain(server: Server, endSockets: () => void): Promise<DrainFigures> {
    const started = performance.now();
    const { settleMs, graceMs } = this.config.shutdown;
    this.current = 'draining';
    this.logger.log({ event: 'draining', settleMs, graceMs });
    await sleep(settleMs);

    this.current = 'refusing';
    server.close();
    server.closeIdleConnections();
    const streamsEnded = this.streams.size;
    for (const stream of [...this.streams]) stream.endForShutdown();
    endSockets();
    const requestsLeftAtGrace = await this.settled(graceMs);
    // Whatever still runs is cut: an upload cut this way is cancelled, and the upload service keeps nothing.
    server.closeAllConnections();
    return { streamsEnded, requestsLeftAtGrace, ms: Math.round(performance.now() - started) };
  }

  /** Resolves with how many requests were still running when `graceMs` ran out (0 if none were). */
  private settled(graceMs: number): Promise<number> {
    if (this.inFlight === 0) return Promise.resolve(0);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(this.inFlight), graceMs);
      this.allDone = () => {
        clearTimeout(timer);
        resolve(0);
      };
    });
  }
}

import { BadRequestException, Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TickerServiceDefinition } from '@quartet/proto';
import { type Caller, callerMetadata, SignedIn } from '../auth/caller';
import { Backends } from '../backends/backends';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { Policy, SIGNED_IN } from '../edge/route-policy';
import { type Query as QueryParams, wholeNumberParam } from '../http/query';
import { relayServerSentEvents } from '../http/server-sent-events';
import { tickJson } from '../http/wire-json';
import { GatewayDrain } from '../lifecycle/gateway-drain';
import { GatewayMetrics } from '../metrics/gateway-metrics';

@Controller('api/ticker')
export class TickerController {
  constructor(
    private readonly backends: Backends,
    private readonly metrics: GatewayMetrics,
    private readonly drain: GatewayDrain,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /**
   * GET /api/ticker/:symbol?count=&intervalMs= → Server-Sent Events, one tick per event,
   * from ticker.v1.TickerService/Watch. The symbol's rules are the ticker's to enforce. A
   * client past its share of open streams is answered 429. Each event's id is the tick's seq,
   * and a client that reconnects with `Last-Event-ID: <seq>` resumes at the next one: the walk
   * is the same for every stream of a symbol, so it sees no gap and no tick twice.
   */
  @Get(':symbol')
  @Policy({ ...SIGNED_IN, stream: true })
  watch(
    @Param('symbol') symbol: string,
    @Query() query: QueryParams,
    @SignedIn() caller: Caller,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): void {
    const count = wholeNumberParam(query, 'count', 0);
    const intervalMs = wholeNumberParam(query, 'intervalMs', 1_000);
    const fromSeq = resumeAfter(request.headers['last-event-id']);
    reply.hijack();
    const call = this.backends
      .client(TickerServiceDefinition)
      .watch({ symbol, count, intervalMs, fromSeq }, callerMetadata(caller), {
        deadline: Date.now() + this.config.streamDeadlineMs,
      });
    relayServerSentEvents(call, reply.raw, {
      route: '/api/ticker/:symbol',
      metrics: this.metrics,
      drain: this.drain,
      toJson: tickJson,
      idOf: (tick) => String(tick.seq),
    });
  }
}

/** The seq to resume at: the one after `Last-Event-ID`; from the start without one. */
function resumeAfter(lastEventId: string | string[] | undefined): bigint {
  if (lastEventId === undefined) return 0n;
  if (typeof lastEventId !== 'string' || !/^\d{1,15}$/.test(lastEventId)) {
    throw new BadRequestException('Last-Event-ID must be the seq of the last tick received');
  }
  return BigInt(lastEventId) + 1n;
}

import { Injectable } from '@nestjs/common';

/** What the ticker is doing now, for tests and operators: how many streams, ticks, and streams held back by slow clients. */
@Injectable()
export class TickerMetrics {
  activeStreams = 0;
  ticksProduced = 0;
  /** Streams whose client has not read what was sent, so no tick is produced for them. */
  streamsWaitingForClient = 0;
}

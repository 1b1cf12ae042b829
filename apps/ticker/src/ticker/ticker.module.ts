import { Module } from '@nestjs/common';
import { systemClockProvider } from '@quartet/grpc-server';
import { TickerController } from './ticker.controller';
import { TickerMetrics } from './ticker.metrics';
import { TickerService } from './ticker.service';

@Module({
  controllers: [TickerController],
  providers: [TickerService, TickerMetrics, systemClockProvider],
})
export class TickerModule {}

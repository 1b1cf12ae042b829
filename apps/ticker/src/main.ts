import './instrument';
import { runGrpcService } from '@quartet/grpc-server';
import { TickerServiceDefinition } from '@quartet/proto';
import { loadConfig } from './config';
import { TickerModule } from './ticker/ticker.module';

void runGrpcService(() => ({
  module: TickerModule,
  services: [TickerServiceDefinition],
  config: loadConfig(process.env).server,
}));

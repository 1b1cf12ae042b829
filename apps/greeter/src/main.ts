import './instrument';
import { runGrpcService } from '@quartet/grpc-server';
import { GreeterDefinition } from '@quartet/proto';
import { loadConfig } from './config';
import { GreeterModule } from './greeter/greeter.module';

void runGrpcService(() => ({
  module: GreeterModule,
  services: [GreeterDefinition],
  config: loadConfig(process.env).server,
}));

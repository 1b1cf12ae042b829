import { runGrpcService } from '@quartet/grpc-server';
import { ChatServiceDefinition } from '@quartet/proto';
import { ChatModule } from './chat/chat.module';
import { loadConfig } from './config';

void runGrpcService(() => {
  const config = loadConfig(process.env);
  return { module: ChatModule.forRoot(config), services: [ChatServiceDefinition], config: config.server };
});

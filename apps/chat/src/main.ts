import './instrument';
import { runGrpcService } from '@quartet/grpc-server';
import { ChatServiceDefinition } from '@quartet/proto';
import { CHAT_STORE, type ChatStore } from './chat/chat-store';
import { ChatModule } from './chat/chat.module';
import { loadConfig } from './config';

void runGrpcService(() => {
  const config = loadConfig(process.env);
  return {
    module: ChatModule.forRoot(config),
    services: [ChatServiceDefinition],
    config: config.server,
    readiness: (app) => app.get<ChatStore>(CHAT_STORE).available,
  };
});

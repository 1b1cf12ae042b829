import { type DynamicModule, Module } from '@nestjs/common';
import { systemClockProvider } from '@quartet/grpc-server';
import { CHAT_CONFIG, type ChatConfig } from '../config';
import { ChatController } from './chat.controller';
import { ChatMetrics } from './chat.metrics';
import { ChatRooms } from './chat-rooms';
import { ChatService } from './chat.service';

@Module({})
export class ChatModule {
  static forRoot(config: ChatConfig): DynamicModule {
    return {
      module: ChatModule,
      controllers: [ChatController],
      providers: [
        { provide: CHAT_CONFIG, useValue: config },
        ChatRooms,
        ChatMetrics,
        ChatService,
        systemClockProvider,
      ],
    };
  }
}

import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { CLOCK, type Clock } from '@quartet/grpc-server';
import { CHAT_CONFIG, type ChatConfig } from '../config';
import { CHAT_STORE, type ChatStore } from './chat-store';
import { ChatController } from './chat.controller';
import { ChatMetrics } from './chat.metrics';
import { ChatService } from './chat.service';
import { MemoryChatStore } from './memory-chat-store';
import { RedisChatStore } from './redis/redis-chat-store';

@Module({})
export class ChatModule {
  /** The chat service with `config`; `clock` stamps messages (the system's unless a test gives one). */
  static forRoot(config: ChatConfig, clock: Clock = () => new Date()): DynamicModule {
    return {
      module: ChatModule,
      controllers: [ChatController],
      providers: [
        { provide: CHAT_CONFIG, useValue: config },
        {
          provide: CHAT_STORE,
          inject: [CLOCK, ChatMetrics],
          useFactory: (now: Clock, metrics: ChatMetrics): ChatStore =>
            config.redis
              ? new RedisChatStore(config, config.redis, now, metrics, new Logger('ChatStore'))
              : new MemoryChatStore(config, now, metrics),
        },
        ChatMetrics,
        ChatService,
        { provide: CLOCK, useValue: clock },
      ],
    };
  }
}

import type { Metadata, ServerDuplexStream } from '@grpc/grpc-js';
import { Controller } from '@nestjs/common';
import { verifiedUser } from '@quartet/grpc-server';
import {
  type ChatRequest,
  type ChatResponse,
  type ChatServiceController,
  ChatServiceControllerMethods,
} from '@quartet/proto';
import type { Observable } from 'rxjs';
import { ChatService } from './chat.service';

@Controller()
@ChatServiceControllerMethods()
export class ChatController implements ChatServiceController {
  constructor(private readonly chats: ChatService) {}

  chat(
    requests: Observable<ChatRequest>,
    metadata: Metadata,
    call: ServerDuplexStream<ChatRequest, ChatResponse>,
  ): Observable<ChatResponse> {
    return this.chats.chat(requests, call, verifiedUser(metadata));
  }
}

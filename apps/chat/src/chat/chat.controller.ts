import type { Metadata, ServerDuplexStream } from '@grpc/grpc-js';
import { Controller } from '@nestjs/common';
import { verifiedUser } from '@quartet/grpc-server';
import {
  type ChatRequest,
  type ChatResponse,
  type ChatServiceController,
  ChatServiceControllerMethods,
  type ListMembersRequest,
  type ListMembersResponse,
} from '@quartet/proto';
import { from, type Observable } from 'rxjs';
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

  listMembers(request: ListMembersRequest): Observable<ListMembersResponse> {
    return from(this.chats.listMembers(request));
  }
}

import { status } from '@grpc/grpc-js';
import { Inject, Injectable } from '@nestjs/common';
import { rpcError } from '@quartet/grpc-server';
import type { ChatRequest, ChatResponse } from '@quartet/proto';
import type { Writable } from 'node:stream';
import { Observable } from 'rxjs';
import { CHAT_CONFIG, type ChatConfig } from '../config';
import { ChatMember } from './chat-member';
import type { ChatRoom } from './chat-room';
import { ChatRooms } from './chat-rooms';
import { ChatMetrics } from './chat.metrics';
import { joinProblem, postProblem } from './chat-rules';

@Injectable()
export class ChatService {
  constructor(
    @Inject(CHAT_CONFIG) private readonly config: ChatConfig,
    private readonly rooms: ChatRooms,
    private readonly metrics: ChatMetrics,
  ) {}

  /**
   * Bidirectional streaming: the first request joins a room, the following ones post to
   * it, and the response stream carries the room's events for this member. A half-close
   * leaves the room once what is queued has been sent; an error, a cancel or a lost
   * connection leaves it at once. Either way the others see presence go offline. Bad
   * input ends this member's stream with INVALID_ARGUMENT and touches no one else. When the
   * call's token was verified, the member is its user: a join naming anyone else is
   * PERMISSION_DENIED, and one naming no user joins as the token's.
   */
  chat(requests: Observable<ChatRequest>, call: Writable, signedInAs?: string): Observable<ChatResponse> {
    return new Observable<ChatResponse>((subscriber) => {
      let joined: { room: ChatRoom; member: ChatMember } | undefined;
      if (this.metrics.connectedMembers >= this.config.maxConnections) {
        this.metrics.refusals.connections += 1;
        subscriber.error(
          rpcError(
            status.RESOURCE_EXHAUSTED,
            `the chat service has ${this.config.maxConnections} members connected, its limit; try again later`,
          ),
        );
        return undefined;
      }
      this.metrics.connectedMembers += 1;

      const handle = ({ action }: ChatRequest): void => {
        if (!action) throw invalid('each message must carry join or post');
        if (action.$case === 'join') {
          if (joined) throw invalid('join must be sent once, as the first message');
          const join = { ...action.value, user: action.value.user || (signedInAs ?? '') };
          if (signedInAs !== undefined && join.user !== signedInAs) {
            throw rpcError(
              status.PERMISSION_DENIED,
              `you are signed in as ${JSON.stringify(signedInAs)} and cannot join as ${JSON.stringify(join.user)}`,
            );
          }
          const problem = joinProblem(join);
          if (problem) throw invalid(problem);
          const room = this.rooms.admit(join.room);
          const member = new ChatMember(join.user, subscriber, call, this.config.maxBacklog, () => {
            this.metrics.membersCutOff += 1;
            room.leave(member);
          });
          joined = { room, member };
          room.join(member, join.sinceSeq);
          return;
        }
        if (!joined) throw invalid('the first message must be join, naming the room and user');
        const problem = postProblem(action.value);
        if (problem) throw invalid(problem);
        joined.room.post(joined.member, action.value.text, action.value.clientId);
      };

      const requestsSubscription = requests.subscribe({
        next: (request) => {
          try {
            handle(request);
          } catch (error) {
            subscriber.error(error);
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          if (!joined) return subscriber.complete();
          joined.room.leave(joined.member);
          joined.member.finish();
        },
      });

      return () => {
        requestsSubscription.unsubscribe();
        if (joined) {
          joined.member.close();
          joined.room.leave(joined.member);
        }
        this.metrics.connectedMembers -= 1;
      };
    });
  }
}

function invalid(message: string) {
  return rpcError(status.INVALID_ARGUMENT, message);
}

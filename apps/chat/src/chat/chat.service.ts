import { status } from '@grpc/grpc-js';
import { Inject, Injectable } from '@nestjs/common';
import { context } from '@opentelemetry/api';
import { rpcError } from '@quartet/grpc-server';
import type { ChatRequest, ChatResponse, ListMembersRequest, ListMembersResponse } from '@quartet/proto';
import { inChildSpan } from '@quartet/telemetry';
import type { Writable } from 'node:stream';
import { Observable } from 'rxjs';
import { CHAT_CONFIG, type ChatConfig } from '../config';
import { ChatMember } from './chat-member';
import { CHAT_STORE, type ChatStore, type Membership } from './chat-store';
import { ChatMetrics } from './chat.metrics';
import { joinProblem, postProblem } from './chat-rules';
import { memberPage, memberPageRequest } from './member-pages';
import { PostRate } from './post-rate';

/** The call: written to, and paused while this member's requests wait for the store. */
type ReadableCall = Writable & { pause(): unknown; resume(): unknown };

/**
 * How many of a member's requests may wait for the store. Past it the call stops reading,
 * so that a member posting faster than the store answers is held back by HTTP/2 flow
 * control instead of queued for in memory.
 */
const MAX_PENDING_REQUESTS = 16;

@Injectable()
export class ChatService {
  constructor(
    @Inject(CHAT_CONFIG) private readonly config: ChatConfig,
    @Inject(CHAT_STORE) private readonly store: ChatStore,
    private readonly metrics: ChatMetrics,
  ) {}

  /**
   * Bidirectional streaming: the first request joins a room, the following ones post to
   * it, and the response stream carries the room's events for this member. Requests are
   * handled one at a time, in order, each once the store has taken the one before. A
   * half-close leaves the room once what is queued has been sent; an error, a cancel or a
   * lost connection leaves it at once. Either way the others see presence go offline. Bad
   * input ends this member's stream with INVALID_ARGUMENT and touches no one else, and so
   * does posting faster than CHAT_POSTS_PER_SECOND, with RESOURCE_EXHAUSTED. When the
   * call's token was verified, the member is its user: a join naming anyone else is
   * PERMISSION_DENIED, and one naming no user joins as the token's.
   */
  chat(requests: Observable<ChatRequest>, call: ReadableCall, signedInAs?: string): Observable<ChatResponse> {
    return new Observable<ChatResponse>((subscriber) => {
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
      // The call's span: each join and post gets a child span of it, with its fan-out.
      const callContext = context.active();
      let member: ChatMember | undefined;
      let membership: Membership | undefined;
      let roomName = '';
      /** Set once the call is over, or the member cut off: a join still in flight then leaves at once. */
      let gone = false;
      let pending = 0;
      let work = Promise.resolve();
      const rate = new PostRate(this.config.postsPerSecond);

      const join = async (request: ChatRequest['action'] & { $case: 'join' }): Promise<void> => {
        if (member) throw invalid('join must be sent once, as the first message');
        const wanted = { ...request.value, user: request.value.user || (signedInAs ?? '') };
        if (signedInAs !== undefined && wanted.user !== signedInAs) {
          throw rpcError(
            status.PERMISSION_DENIED,
            `you are signed in as ${JSON.stringify(signedInAs)} and cannot join as ${JSON.stringify(wanted.user)}`,
          );
        }
        const problem = joinProblem(wanted);
        if (problem) throw invalid(problem);
        member = new ChatMember(wanted.user, subscriber, call, this.config.maxBacklog, () => {
          this.metrics.membersCutOff += 1;
          gone = true;
          membership?.leave();
        });
        const joining = member;
        roomName = wanted.room;
        const admitted = await inChildSpan(
          'chat.join',
          callContext,
          { 'chat.room': wanted.room, 'chat.user': wanted.user, 'chat.since_seq': Number(wanted.sinceSeq) },
          () => this.store.join(joining, wanted.room, wanted.sinceSeq),
        );
        if (gone) admitted.leave();
        else membership = admitted;
      };

      const handle = async ({ action }: ChatRequest): Promise<void> => {
        if (subscriber.closed || gone) return;
        if (!action) throw invalid('each message must carry join or post');
        if (action.$case === 'join') return join(action);
        if (!membership) throw invalid('the first message must be join, naming the room and user');
        const problem = postProblem(action.value);
        if (problem) throw invalid(problem);
        if (!rate.take()) {
          this.metrics.postsOverRate += 1;
          throw rpcError(
            status.RESOURCE_EXHAUSTED,
            `over ${rate.perSecond} posts a second (bursts of ${rate.burst}); slow down and rejoin with since_seq`,
          );
        }
        const { text, clientId } = action.value;
        const room = membership;
        await inChildSpan(
          'chat.post',
          callContext,
          { 'chat.room': roomName, 'chat.client_id': clientId },
          async (span) => {
            const outcome = await room.post(text, clientId);
            this.metrics.posts += outcome.stored ? 1 : 0;
            span.setAttributes({ 'chat.stored': outcome.stored, 'chat.fan_out': outcome.fanOut });
          },
        );
      };

      const enqueue = (step: () => Promise<void> | void): void => {
        pending += 1;
        if (pending === MAX_PENDING_REQUESTS) call.pause();
        work = work
          .then(step)
          .catch((error: unknown) => subscriber.error(error))
          .finally(() => {
            pending -= 1;
            if (pending === MAX_PENDING_REQUESTS - 1) call.resume();
          });
      };

      const requestsSubscription = requests.subscribe({
        next: (request) => enqueue(() => handle(request)),
        error: (error: unknown) => subscriber.error(error),
        complete: () =>
          enqueue(() => {
            if (!member) return subscriber.complete();
            membership?.leave();
            member.finish();
          }),
      });

      return () => {
        gone = true;
        requestsSubscription.unsubscribe();
        member?.close();
        membership?.leave();
        this.metrics.connectedMembers -= 1;
      };
    });
  }

  /** One page of the users in a room, by name (AIP-158 paging; see member-pages). */
  async listMembers(request: ListMembersRequest): Promise<ListMembersResponse> {
    const page = memberPageRequest(request);
    return memberPage(await this.store.members(page.room), page);
  }
}

function invalid(message: string) {
  return rpcError(status.INVALID_ARGUMENT, message);
}

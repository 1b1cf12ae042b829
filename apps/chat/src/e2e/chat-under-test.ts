import type { RunningGrpcService } from '@quartet/grpc-server';
import { connect } from '@quartet/grpc-testing';
import { ChatServiceDefinition, type GrpcClient } from '@quartet/proto';
import type { ChatConfig } from '../config';
import { ChatSession } from './chat-session';
import { startChat } from './chat-stores';

export type ChatClient = GrpcClient<typeof ChatServiceDefinition>;

/** A chat service started for a spec, a client of it, and the members that spec has joined through it. */
export class ChatUnderTest {
  private readonly sessions: ChatSession[] = [];

  private constructor(
    readonly service: RunningGrpcService,
    readonly client: ChatClient,
  ) {}

  /** Starts the service as startChat does: by default, resolving once its store can serve. */
  static async start(config: ChatConfig, options?: Parameters<typeof startChat>[1]): Promise<ChatUnderTest> {
    const service = await startChat(config, options);
    return new ChatUnderTest(service, connect(ChatServiceDefinition, service.address));
  }

  /** Joins `user` to `room`, replaying from `sinceSeq`. */
  join(user: string, room: string, sinceSeq = 0n): ChatSession {
    const session = new ChatSession(this.client, user, room, sinceSeq);
    this.sessions.push(session);
    return session;
  }

  /** Cancels the call of every member joined so far. */
  leaveAll(): void {
    for (const session of this.sessions.splice(0)) session.call.cancel();
  }

  async stop(): Promise<void> {
    this.leaveAll();
    this.client.close();
    await this.service.stop();
  }
}

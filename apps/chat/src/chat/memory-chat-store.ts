import { status } from '@grpc/grpc-js';
import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock, rpcError } from '@quartet/grpc-server';
import { of } from 'rxjs';
import { CHAT_CONFIG, type ChatConfig } from '../config';
import { ChatRoom } from './chat-room';
import type { ChatStore, Membership, RoomMember } from './chat-store';
import { ChatMetrics } from './chat.metrics';

/**
 * Rooms in this process's memory: nothing to set up, and every member of a room must reach
 * this one replica. Rooms are created on first join; at the limit, the longest-idle empty
 * room is forgotten, history and all.
 */
@Injectable()
export class MemoryChatStore implements ChatStore {
  readonly available = of(true);
  private readonly rooms = new Map<string, ChatRoom>();

  constructor(
    @Inject(CHAT_CONFIG) private readonly config: Omit<ChatConfig, 'server'>,
    @Inject(CLOCK) private readonly now: Clock,
    private readonly metrics: ChatMetrics = new ChatMetrics(),
  ) {
    metrics.roomsOpen = () => this.rooms.size;
  }

  async join(member: RoomMember, name: string, sinceSeq: bigint): Promise<Membership> {
    const room = this.admit(name);
    room.join(member, sinceSeq);
    return {
      post: async (text, clientId) => room.post(member, text, clientId),
      leave: () => room.leave(member),
    };
  }

  async members(name: string): Promise<readonly string[]> {
    return this.rooms.get(name)?.presence.names() ?? [];
  }

  /** The room to join, refused when it is full or when no room slot is free. */
  admit(name: string): ChatRoom {
    const room = this.get(name);
    if (room.size >= this.config.maxMembers) {
      this.metrics.refusals.roomFull += 1;
      throw rpcError(status.RESOURCE_EXHAUSTED, `room ${name} is full: ${this.config.maxMembers} members`);
    }
    return room;
  }

  private get(name: string): ChatRoom {
    const existing = this.rooms.get(name);
    if (existing) return existing;
    if (this.rooms.size >= this.config.maxRooms) this.forgetIdleRoom();
    const room = new ChatRoom(
      name,
      {
        historySize: this.config.historySize,
        dedupWindow: this.config.dedupWindow,
        presenceListMax: this.config.presenceListMax,
      },
      this.now,
    );
    this.rooms.set(name, room);
    return room;
  }

  private forgetIdleRoom(): void {
    let idle: ChatRoom | undefined;
    for (const room of this.rooms.values()) {
      if (room.isEmpty && (!idle || room.lastActive < idle.lastActive)) idle = room;
    }
    if (!idle) {
      this.metrics.refusals.roomsInUse += 1;
      throw rpcError(status.RESOURCE_EXHAUSTED, `all ${this.config.maxRooms} rooms are in use`);
    }
    this.rooms.delete(idle.name);
  }
}

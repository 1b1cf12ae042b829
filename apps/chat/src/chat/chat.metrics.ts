import { Injectable, Optional } from '@nestjs/common';
import { scrapedCounter, scrapedGauge, ServerMetrics } from '@quartet/grpc-server';
import { Registry } from 'prom-client';

/** What the chat service is doing, served as `chat_*` metrics on its /metrics. */
@Injectable()
export class ChatMetrics {
  connectedMembers = 0;
  /** Members cut off because they did not read. */
  membersCutOff = 0;
  /** Posts taken into a room (each is then sent to every member). */
  posts = 0;
  /** Members ended for posting faster than CHAT_POSTS_PER_SECOND. */
  postsOverRate = 0;
  /** Joins refused by a limit: a full room, no room slot free, or the cap on members in all rooms. */
  readonly refusals = { roomFull: 0, roomsInUse: 0, connections: 0 };
  /** The rooms this replica holds (in memory) or follows (Redis): the store tells. */
  roomsOpen: () => number = () => 0;

  /** Without the service's ServerMetrics (a unit test), into a registry nobody scrapes. */
  constructor(@Optional() server?: ServerMetrics) {
    const registry = server?.registry ?? new Registry();
    scrapedGauge(registry, {
      name: 'chat_members',
      help: 'Members connected to this replica now.',
      read: () => this.connectedMembers,
    });
    scrapedGauge(registry, {
      name: 'chat_rooms',
      help: 'Rooms this replica holds or follows now.',
      read: () => this.roomsOpen(),
    });
    scrapedCounter(registry, {
      name: 'chat_members_cut_off_total',
      help: 'Members ended because they did not read (CHAT_MAX_BACKLOG).',
      read: () => this.membersCutOff,
    });
    scrapedCounter(registry, {
      name: 'chat_posts_total',
      help: 'Posts taken into a room on this replica.',
      read: () => this.posts,
    });
    scrapedCounter(registry, {
      name: 'chat_posts_over_rate_total',
      help: 'Members ended for posting faster than CHAT_POSTS_PER_SECOND.',
      read: () => this.postsOverRate,
    });
    scrapedCounter(registry, {
      name: 'chat_join_refusals_total',
      help: 'Joins refused by a limit, by limit.',
      label: 'limit',
      read: () => ({
        room_full: this.refusals.roomFull,
        rooms_in_use: this.refusals.roomsInUse,
        connections: this.refusals.connections,
      }),
    });
  }
}

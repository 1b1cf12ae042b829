import { Injectable } from '@nestjs/common';

/** What the chat service is doing, for tests and operators. */
@Injectable()
export class ChatMetrics {
  connectedMembers = 0;
  /** Members cut off because they did not read. */
  membersCutOff = 0;
  /** Joins refused by a limit: a full room, no room slot free, or the cap on members in all rooms. */
  readonly refusals = { roomFull: 0, roomsInUse: 0, connections: 0 };
}

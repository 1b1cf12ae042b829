import { Injectable } from '@nestjs/common';

/** What the chat service is doing, for tests and operators. */
@Injectable()
export class ChatMetrics {
  connectedMembers = 0;
  /** Members cut off because they did not read. */
  membersCutOff = 0;
}

import { type ClientDuplexStream, Metadata, type StatusObject } from '@grpc/grpc-js';
import { deadlineIn, statusOf } from '@quartet/grpc-testing';
import type {
  ChatMessage,
  ChatRequest,
  ChatResponse,
  Presence,
  ChatServiceDefinition,
  GrpcClient,
} from '@quartet/proto';

/**
 * Seqs count on from an epoch (next_seq in chat-scripts): 0 for rooms in memory, Redis's
 * time in milliseconds times 1024 for rooms in Redis. Specs compare seqs within the epoch
 * (none posts 1024 times in one room).
 */
export const SEQ_EPOCH = 1024n;
export const seqInEpoch = (seq: bigint): bigint => seq % SEQ_EPOCH;

/** A member of a room over a real grpc-js bidi call, recording every event it receives. */
export class ChatSession {
  readonly events: ChatResponse[] = [];
  readonly ended: Promise<StatusObject>;
  readonly call: ClientDuplexStream<ChatRequest, ChatResponse>;
  private readonly listeners = new Set<() => void>();

  constructor(
    client: GrpcClient<typeof ChatServiceDefinition>,
    readonly user: string,
    room: string,
    sinceSeq = 0n,
  ) {
    this.call = client.chat(new Metadata(), deadlineIn(60_000));
    this.call.on('data', (event: ChatResponse) => {
      this.events.push(event);
      for (const listener of this.listeners) listener();
    });
    this.ended = statusOf(this.call);
    this.send({ action: { $case: 'join', value: { room, user, sinceSeq } } });
  }

  send(request: ChatRequest): void {
    this.call.write(request);
  }

  post(text: string, clientId = ''): void {
    this.send({ action: { $case: 'post', value: { text, clientId } } });
  }

  messages(): ChatMessage[] {
    return this.events.flatMap((e) => (e.event?.$case === 'message' ? [e.event.value] : []));
  }

  /** The seq of each message received, in order, within its epoch. */
  seqs(): bigint[] {
    return this.messages().map((m) => seqInEpoch(m.seq));
  }

  /** Where the seqs of the last message received count from: what a rejoin adds to since_seq. */
  epoch(): bigint {
    const last = this.messages().at(-1);
    if (!last) throw new Error(`${this.user} has received no message yet`);
    return last.seq - seqInEpoch(last.seq);
  }

  /** Each message received as [seq within its epoch, text, client_id]: what a resend test compares. */
  posts(): [bigint, string, string][] {
    return this.messages().map((m) => [seqInEpoch(m.seq), m.text, m.clientId]);
  }

  /** Resolves when an event matching `predicate` has arrived; rejects if the stream ends or 10 s pass first. */
  until(predicate: (event: ChatResponse) => boolean, what: string): Promise<ChatResponse> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.events.find(predicate);
        if (!found) return false;
        this.listeners.delete(check);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`${this.user} did not receive ${what} within 10 s`));
      }, 10_000);
      if (check()) return;
      this.listeners.add(check);
      void this.ended.then(() => {
        if (this.listeners.delete(check)) {
          clearTimeout(timer);
          reject(new Error(`${this.user}'s stream ended before ${what}`));
        }
      });
    });
  }

  /** Waits for the message `seq` of the epoch. */
  untilMessage(seq: bigint): Promise<ChatResponse> {
    return this.until(
      (e) => e.event?.$case === 'message' && seqInEpoch(e.event.value.seq) === seq,
      `message ${seq}`,
    );
  }

  /** Waits for a presence of `user`, alone or among several changes (a member that was behind). */
  untilPresence(user: string, online: boolean): Promise<ChatResponse> {
    const matches = (presence: Presence) => presence.user === user && presence.online === online;
    return this.until(
      (e) =>
        (e.event?.$case === 'presence' && matches(e.event.value)) ||
        (e.event?.$case === 'presenceChanges' && e.event.value.changes.some(matches)),
      `${user} ${online ? 'online' : 'offline'}`,
    );
  }
}

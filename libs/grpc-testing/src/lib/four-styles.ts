import {
  type ChannelCredentials,
  type ClientReadableStream,
  credentials,
  Metadata,
  type StatusObject,
  status,
} from '@grpc/grpc-js';
import {
  type ChatResponse,
  ChatServiceDefinition,
  GreeterDefinition,
  TickerServiceDefinition,
  UploadServiceDefinition,
} from '@quartet/proto';
import { deadlineIn, outcomeOf, readAll } from './calls';
import { connect } from './clients';

export type StyleService = 'greeter' | 'ticker' | 'upload' | 'chat';

/** One call of a service's style; resolves with how it ended, rejects if it succeeded with the wrong answer. */
export type StyleCall = (metadata?: Metadata) => Promise<StatusObject>;

export interface FourStyles {
  readonly calls: Readonly<Record<StyleService, StyleCall>>;
  close(): void;
}

/**
 * A grpc-js client of each of the four services with one well-formed call each: a unary
 * greeting, a three-tick stream, a five-byte upload and a chat post that must come back.
 */
export function fourStyles(
  addresses: Readonly<Record<StyleService, string>>,
  channelCredentials: ChannelCredentials = credentials.createInsecure(),
): FourStyles {
  const greeter = connect(GreeterDefinition, addresses.greeter, channelCredentials);
  const ticker = connect(TickerServiceDefinition, addresses.ticker, channelCredentials);
  const upload = connect(UploadServiceDefinition, addresses.upload, channelCredentials);
  const chat = connect(ChatServiceDefinition, addresses.chat, channelCredentials);
  let posts = 0;
  const expect = (outcome: StatusObject, right: boolean, what: string) => {
    if (outcome.code === status.OK && !right) throw new Error(`${what}: succeeded with the wrong answer`);
    return outcome;
  };
  return {
    calls: {
      greeter: async (metadata = new Metadata()) => {
        const { status: outcome, response } = await outcomeOf<{ message: string }>((done) =>
          greeter.sayHello({ name: 'honest' }, metadata, deadlineIn(), done),
        );
        return expect(outcome, response?.message === 'Hello honest', 'greeter');
      },
      ticker: async (metadata = new Metadata()) => {
        const { status: outcome, messages } = await readAll(
          ticker.watch({ symbol: 'HONEST', count: 3, intervalMs: 0, fromSeq: 0n }, metadata, deadlineIn()),
        );
        return expect(outcome, messages.length === 3, 'ticker');
      },
      upload: async (metadata = new Metadata()) => {
        const { status: outcome, response } = await outcomeOf<{ size: bigint }>((done) => {
          const call = upload.upload(metadata, deadlineIn(), done);
          call.write({
            payload: { $case: 'info', value: { name: 'honest.txt', contentType: 'text/plain' } },
          });
          call.write({ payload: { $case: 'chunk', value: Buffer.from('hello') } });
          call.end();
          return call;
        });
        return expect(outcome, response?.size === 5n, 'upload');
      },
      chat: async (metadata = new Metadata()) => {
        posts += 1;
        const text = `post ${posts}`;
        const call = chat.chat(metadata, deadlineIn());
        call.write({ action: { $case: 'join', value: { room: 'honest', user: 'honest', sinceSeq: 0n } } });
        call.write({ action: { $case: 'post', value: { text, clientId: '' } } });
        call.end();
        const { status: outcome, messages } = await readAll(
          call as unknown as ClientReadableStream<ChatResponse>,
        );
        const echoed = messages.some(
          (response) => response.event?.$case === 'message' && response.event.value.text === text,
        );
        return expect(outcome, echoed, 'chat');
      },
    },
    close: () => [greeter, ticker, upload, chat].forEach((client) => client.close()),
  };
}

/** Rejects unless the call ended OK. */
export async function succeeds(call: StyleCall, metadata?: Metadata): Promise<void> {
  const outcome = await call(metadata);
  if (outcome.code !== status.OK) throw new Error(`ended with ${status[outcome.code]}: ${outcome.details}`);
}

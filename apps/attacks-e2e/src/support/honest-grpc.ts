import { type ClientReadableStream, Metadata } from '@grpc/grpc-js';
import { connect, deadlineIn, readAll } from '@quartet/grpc-testing';
import {
  ChatRequest,
  type ChatResponse,
  ChatServiceDefinition,
  GreeterDefinition,
  HelloRequest,
  TickerServiceDefinition,
  UploadRequest,
  UploadServiceDefinition,
  WatchRequest,
} from '@quartet/proto';
import type { Stack } from './stack';

/** One service as an attacker sees it (a path and a valid request) and as an honest client does. */
export interface ServiceUnderAttack {
  readonly name: 'greeter' | 'ticker' | 'upload' | 'chat';
  /** The RPC the attacks go to, as `/package.Service/Method`. */
  readonly path: string;
  /** One valid request message, encoded. */
  readonly validRequest: Buffer;
  /** An honest client's call; rejects unless it succeeds as it should. */
  honestCall(): Promise<void>;
  close(): void;
}

/** The four services of a stack with an honest grpc-js client each. */
export function servicesOf(stack: Stack): ServiceUnderAttack[] {
  const greeter = connect(GreeterDefinition, stack.greeter.address);
  const ticker = connect(TickerServiceDefinition, stack.ticker.address);
  const upload = connect(UploadServiceDefinition, stack.upload.address);
  const chat = connect(ChatServiceDefinition, stack.chat.address);
  let posts = 0;
  return [
    {
      name: 'greeter',
      path: `/${GreeterDefinition.fullName}/SayHello`,
      validRequest: Buffer.from(HelloRequest.encode({ name: 'attacker' }).finish()),
      honestCall: () =>
        new Promise((resolve, reject) =>
          greeter.sayHello({ name: 'honest' }, new Metadata(), deadlineIn(), (error, reply) =>
            error || reply?.message !== 'Hello honest'
              ? reject(error ?? new Error('wrong reply'))
              : resolve(),
          ),
        ),
      close: () => greeter.close(),
    },
    {
      name: 'ticker',
      path: `/${TickerServiceDefinition.fullName}/Watch`,
      validRequest: Buffer.from(WatchRequest.encode({ symbol: 'ATK', count: 3, intervalMs: 0 }).finish()),
      honestCall: async () => {
        const { status, messages } = await readAll(
          ticker.watch({ symbol: 'HONEST', count: 3, intervalMs: 0 }, new Metadata(), deadlineIn()),
        );
        if (status.code !== 0 || messages.length !== 3) throw new Error(`ticker: ${status.details}`);
      },
      close: () => ticker.close(),
    },
    {
      name: 'upload',
      path: `/${UploadServiceDefinition.fullName}/Upload`,
      validRequest: Buffer.from(
        UploadRequest.encode({
          payload: { $case: 'info', value: { name: 'attack.bin', contentType: '' } },
        }).finish(),
      ),
      honestCall: () =>
        new Promise((resolve, reject) => {
          const call = upload.upload(new Metadata(), deadlineIn(), (error, response) =>
            error || response?.size !== 5n ? reject(error ?? new Error('wrong size')) : resolve(),
          );
          call.write({
            payload: { $case: 'info', value: { name: 'honest.txt', contentType: 'text/plain' } },
          });
          call.write({ payload: { $case: 'chunk', value: Buffer.from('hello') } });
          call.end();
        }),
      close: () => upload.close(),
    },
    {
      name: 'chat',
      path: `/${ChatServiceDefinition.fullName}/Chat`,
      validRequest: Buffer.from(
        ChatRequest.encode({
          action: { $case: 'join', value: { room: 'attack', user: 'attacker', sinceSeq: 0n } },
        }).finish(),
      ),
      honestCall: async () => {
        posts += 1;
        const call = chat.chat(new Metadata(), deadlineIn());
        call.write({ action: { $case: 'join', value: { room: 'honest', user: 'honest', sinceSeq: 0n } } });
        call.write({ action: { $case: 'post', value: { text: `post ${posts}`, clientId: '' } } });
        call.end();
        const { status, messages } = await readAll(call as unknown as ClientReadableStream<ChatResponse>);
        const echoed = messages.some(
          (response) => response.event?.$case === 'message' && response.event.value.text === `post ${posts}`,
        );
        if (status.code !== 0 || !echoed) throw new Error(`chat: ${status.details}`);
      },
      close: () => chat.close(),
    },
  ];
}

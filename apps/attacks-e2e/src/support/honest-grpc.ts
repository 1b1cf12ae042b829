import { fourStyles, succeeds, type StyleService } from '@quartet/grpc-testing';
import {
  ChatRequest,
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
  readonly name: StyleService;
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
  const honest = fourStyles({
    greeter: stack.greeter.address,
    ticker: stack.ticker.address,
    upload: stack.upload.address,
    chat: stack.chat.address,
  });
  const attacked = (name: StyleService, path: string, validRequest: Uint8Array): ServiceUnderAttack => ({
    name,
    path,
    validRequest: Buffer.from(validRequest),
    honestCall: () => succeeds(honest.calls[name]),
    // Closes the four clients: closing a closed grpc-js client is harmless.
    close: () => honest.close(),
  });
  return [
    attacked(
      'greeter',
      `/${GreeterDefinition.fullName}/SayHello`,
      HelloRequest.encode({ name: 'attacker' }).finish(),
    ),
    attacked(
      'ticker',
      `/${TickerServiceDefinition.fullName}/Watch`,
      WatchRequest.encode({ symbol: 'ATK', count: 3, intervalMs: 0, fromSeq: 0n }).finish(),
    ),
    attacked(
      'upload',
      `/${UploadServiceDefinition.fullName}/Upload`,
      UploadRequest.encode({
        payload: { $case: 'info', value: { name: 'attack.bin', contentType: '' } },
      }).finish(),
    ),
    attacked(
      'chat',
      `/${ChatServiceDefinition.fullName}/Chat`,
      ChatRequest.encode({
        action: { $case: 'join', value: { room: 'attack', user: 'attacker', sinceSeq: 0n } },
      }).finish(),
    ),
  ];
}

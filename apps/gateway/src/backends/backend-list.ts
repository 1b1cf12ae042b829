import {
  ChatServiceDefinition,
  type GenericServiceDefinition,
  GreeterDefinition,
  TickerServiceDefinition,
  UploadServiceDefinition,
} from '@quartet/proto';

/**
 * Every gRPC service the gateway calls, by its app's name: its contract, whether its unary calls are safe to
 * retry, and where it listens unless `<NAME>_TARGET` says otherwise.
 * `npx nx g @quartet/tools:service <name> --gateway` adds its service here.
 */
export const BACKEND_LIST = {
  greeter: { definition: GreeterDefinition, idempotent: true, defaultTarget: '127.0.0.1:50051' },
  ticker: { definition: TickerServiceDefinition, idempotent: false, defaultTarget: '127.0.0.1:50052' },
  upload: { definition: UploadServiceDefinition, idempotent: false, defaultTarget: '127.0.0.1:50053' },
  chat: { definition: ChatServiceDefinition, idempotent: false, defaultTarget: '127.0.0.1:50054' },
} satisfies Record<
  string,
  { definition: GenericServiceDefinition; idempotent: boolean; defaultTarget: string }
>;

export type Backend = keyof typeof BACKEND_LIST;
export const BACKENDS = Object.keys(BACKEND_LIST) as Backend[];

/** The variable that sets a backend's target: GREETER_TARGET, PRICE_FEED_TARGET for price-feed, ... */
export function targetVariable(backend: Backend): string {
  return `${backend.replace(/-/g, '_').toUpperCase()}_TARGET`;
}

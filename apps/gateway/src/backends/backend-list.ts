import {
  ChatServiceDefinition,
  type GenericServiceDefinition,
  GreeterDefinition,
  TickerServiceDefinition,
  UploadServiceDefinition,
} from '@quartet/proto';

/**
 * Every gRPC service the gateway calls, by its app's name: its contract and whether its unary calls are safe
 * to retry. Where each listens, and the variable that says otherwise, are in @quartet/service-catalogue.
 * `npx nx g @quartet/tools:service <name> --gateway` adds its service here.
 */
export const BACKEND_LIST = {
  greeter: { definition: GreeterDefinition, idempotent: true },
  ticker: { definition: TickerServiceDefinition, idempotent: false },
  upload: { definition: UploadServiceDefinition, idempotent: false },
  chat: { definition: ChatServiceDefinition, idempotent: false },
} satisfies Record<string, { definition: GenericServiceDefinition; idempotent: boolean }>;

export type Backend = keyof typeof BACKEND_LIST;
export const BACKENDS = Object.keys(BACKEND_LIST) as Backend[];

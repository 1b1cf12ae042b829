import {
  type CallOptions,
  type ChannelCredentials,
  type ChannelOptions,
  type Client,
  type ClientDuplexStream,
  type ClientReadableStream,
  type ClientUnaryCall,
  type ClientWritableStream,
  type Metadata,
  type MethodDefinition,
  type ServiceDefinition,
  type requestCallback,
  makeGenericClientConstructor,
} from '@grpc/grpc-js';
import type { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';

// NestJS and grpc-js would otherwise encode with protobufjs, whose objects do not match
// the ts-proto types (Date, bigint, oneof unions). These adapters put ts-proto's own
// encode/decode on the wire, so a message at run time is exactly its TypeScript type.

/** The encode/decode half of a ts-proto message object. */
export interface MessageCodec<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  decode(input: BinaryReader | Uint8Array, length?: number): T;
}

/** A method of a ts-proto `outputServices=generic-definitions` service definition. */
export interface GenericMethodDefinition {
  readonly name: string;
  readonly requestType: MessageCodec<unknown>;
  readonly requestStream: boolean;
  readonly responseType: MessageCodec<unknown>;
  readonly responseStream: boolean;
}

/** A ts-proto `outputServices=generic-definitions` service definition. */
export interface GenericServiceDefinition {
  readonly name: string;
  readonly fullName: string;
  readonly methods: { readonly [method: string]: GenericMethodDefinition };
}

type RequestOf<M> = M extends { requestType: MessageCodec<infer T> } ? T : never;
type ResponseOf<M> = M extends { responseType: MessageCodec<infer T> } ? T : never;

type ClientMethod<M> = M extends { requestStream: false; responseStream: false }
  ? (
      request: RequestOf<M>,
      metadata: Metadata,
      options: Partial<CallOptions>,
      callback: requestCallback<ResponseOf<M>>,
    ) => ClientUnaryCall
  : M extends { requestStream: false; responseStream: true }
    ? (
        request: RequestOf<M>,
        metadata?: Metadata,
        options?: Partial<CallOptions>,
      ) => ClientReadableStream<ResponseOf<M>>
    : M extends { requestStream: true; responseStream: false }
      ? (
          metadata: Metadata,
          options: Partial<CallOptions>,
          callback: requestCallback<ResponseOf<M>>,
        ) => ClientWritableStream<RequestOf<M>>
      : (
          metadata?: Metadata,
          options?: Partial<CallOptions>,
        ) => ClientDuplexStream<RequestOf<M>, ResponseOf<M>>;

/** A grpc-js client whose methods are typed by a ts-proto service definition. */
export type GrpcClient<D extends GenericServiceDefinition> = Client & {
  [K in keyof D['methods']]: ClientMethod<D['methods'][K]>;
};

export type GrpcClientConstructor<D extends GenericServiceDefinition> = new (
  address: string,
  credentials: ChannelCredentials,
  options?: ChannelOptions,
) => GrpcClient<D>;

/** The encoder's bytes as a Buffer over the same memory: grpc-js wants a Buffer, and a copy costs. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Messages marked by sentToMany, with their bytes once the first write encoded them. */
const sharedMessages = new WeakMap<object, Buffer | null>();

/**
 * Marks a response that one handler writes to many calls (a chat message to every member of
 * a room): the first write encodes it and the others reuse those bytes, so that a broadcast
 * costs one encoding, not one per member.
 */
export function sentToMany<T extends object>(message: T): T {
  sharedMessages.set(message, null);
  return message;
}

/** The grpc-js definition of a service, keyed by RPC name as in the .proto file. */
export function grpcServiceDefinition(definition: GenericServiceDefinition): ServiceDefinition {
  const methods: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const [key, method] of Object.entries(definition.methods)) {
    const request = method.requestType as MessageCodec<unknown>;
    const response = method.responseType as MessageCodec<unknown>;
    methods[method.name] = {
      path: `/${definition.fullName}/${method.name}`,
      requestStream: method.requestStream,
      responseStream: method.responseStream,
      requestSerialize: (message) => asBuffer(request.encode(message).finish()),
      requestDeserialize: (bytes) => request.decode(bytes),
      responseSerialize: (message) => {
        const shared = sharedMessages.get(message as object);
        if (shared) return shared;
        const bytes = asBuffer(response.encode(message).finish());
        if (shared === null) sharedMessages.set(message as object, bytes);
        return bytes;
      },
      responseDeserialize: (bytes) => response.decode(bytes),
      // The generated controllers name their handlers in lowerCamelCase; grpc-js and NestJS
      // find a handler under this name when none has the RPC's own name.
      originalName: key,
    };
  }
  return methods;
}

/**
 * A grpc-js PackageDefinition holding the given services, for NestJS's `packageDefinition`
 * option and for `grpc.loadPackageDefinition`.
 */
export function grpcPackageDefinition(
  ...definitions: GenericServiceDefinition[]
): Record<string, ServiceDefinition> {
  return Object.fromEntries(
    definitions.map((definition) => [definition.fullName, grpcServiceDefinition(definition)]),
  );
}

/** A grpc-js client class for a service, with methods typed from its definition. */
export function grpcClientConstructor<D extends GenericServiceDefinition>(
  definition: D,
): GrpcClientConstructor<D> {
  return makeGenericClientConstructor(
    grpcServiceDefinition(definition),
    definition.fullName,
  ) as unknown as GrpcClientConstructor<D>;
}

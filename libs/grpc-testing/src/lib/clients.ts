import {
  type ChannelCredentials,
  credentials,
  type Client,
  type ServiceDefinition,
  makeGenericClientConstructor,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { type GenericServiceDefinition, type GrpcClient, grpcClientConstructor } from '@quartet/proto';
import { dirname, join } from 'node:path';

/** A client of `definition` at `address`, typed by the generated contract. */
export function connect<D extends GenericServiceDefinition>(
  definition: D,
  address: string,
  channelCredentials: ChannelCredentials = credentials.createInsecure(),
): GrpcClient<D> {
  const Constructor = grpcClientConstructor(definition);
  return new Constructor(address, channelCredentials);
}

type ReflectionClient = Client & {
  ServerReflectionInfo(): import('@grpc/grpc-js').ClientDuplexStream<
    { list_services: string },
    { list_services_response?: { service: { name: string }[] }; error_response?: { error_message: string } }
  >;
};

/** The service names a server lists through reflection (grpc.reflection.v1), as grpcurl `list` shows them. */
export function listServicesByReflection(address: string): Promise<string[]> {
  const protoPath = join(
    dirname(require.resolve('@grpc/reflection/package.json')),
    'build/proto/grpc/reflection/v1/reflection.proto',
  );
  const definition = loadSync(protoPath, { keepCase: true })[
    'grpc.reflection.v1.ServerReflection'
  ] as ServiceDefinition;
  const Constructor = makeGenericClientConstructor(definition, 'ServerReflection');
  const client = new Constructor(address, credentials.createInsecure()) as unknown as ReflectionClient;
  return new Promise((resolve, reject) => {
    const call = client.ServerReflectionInfo();
    call.on('data', (response) => {
      call.end();
      client.close();
      if (response.list_services_response)
        resolve(response.list_services_response.service.map((entry: { name: string }) => entry.name).sort());
      else reject(new Error(response.error_response?.error_message ?? 'no list_services_response'));
    });
    call.on('error', reject);
    call.write({ list_services: '' });
  });
}

import {
  Metadata,
  Server,
  ServerCredentials,
  type sendUnaryData,
  type ServerUnaryCall,
  status,
} from '@grpc/grpc-js';
import {
  GreeterDefinition,
  type GrpcClient,
  grpcServiceDefinition,
  type HelloReply,
  type HelloRequest,
} from '@quartet/proto';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';

// A bare grpc-js greeter for this lib's specs: a server of the real contract, with no
// NestJS in the way, whose failures a spec can switch on.

export interface Replica {
  readonly id: string;
  readonly address: string;
  readonly server: Server;
  /** SayHello calls that reached this replica, failed ones included. */
  readonly calls: () => number;
  /** What it answers on grpc.health.v1 for helloworld.Greeter (SERVING at first). */
  setHealth(status: ServingStatus): void;
}

/** A bare grpc-js greeter replica that names itself in x-served-by, failing when `fails` says so. */
/** A replica named `id`; a call fails with UNAVAILABLE when `fails` says so, and an empty name with INVALID_ARGUMENT. */
export async function replica(id: string, fails: () => boolean = () => false): Promise<Replica> {
  const server = new Server();
  const health = new HealthImplementation({ '': 'SERVING', 'helloworld.Greeter': 'SERVING' });
  health.addToServer(server);
  let calls = 0;
  server.addService(grpcServiceDefinition(GreeterDefinition), {
    SayHello: (call: ServerUnaryCall<HelloRequest, HelloReply>, callback: sendUnaryData<HelloReply>) => {
      calls += 1;
      const headers = new Metadata();
      headers.set('x-served-by', id);
      if (fails())
        return callback({ code: status.UNAVAILABLE, details: `${id} is unavailable`, metadata: headers });
      if (!call.request.name)
        return callback({
          code: status.INVALID_ARGUMENT,
          details: 'name must not be empty',
          metadata: headers,
        });
      call.sendMetadata(headers);
      callback(null, { message: `Hello ${call.request.name}` });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    id,
    address: `127.0.0.1:${port}`,
    server,
    calls: () => calls,
    setHealth: (status) => health.setStatus('helloworld.Greeter', status),
  };
}

/** One SayHello; resolves with the replica that answered, or `failed:<CODE>`. */
export function sayHelloOnce(greeter: GrpcClient<typeof GreeterDefinition>, name: string): Promise<string> {
  return new Promise<string>((resolve) => {
    let servedBy = '?';
    const call = greeter.sayHello({ name }, new Metadata(), { deadline: Date.now() + 5_000 }, (error) =>
      resolve(error ? `failed:${status[error.code]}` : servedBy),
    );
    call.on('metadata', (headers) => (servedBy = String(headers.get('x-served-by')[0])));
  });
}

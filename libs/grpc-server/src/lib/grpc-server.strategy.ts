import { Server, type ServerCredentials, type ServerOptions } from '@grpc/grpc-js';
import { type GrpcOptions, ServerGrpc } from '@nestjs/microservices';

/**
 * NestJS's gRPC transport with the grpc-js server built here: with our interceptors, limits
 * and credentials (plaintext or TLS), and with the port it really bound, which NestJS does not keep (port 0 in tests).
 */
export class GrpcServerStrategy extends ServerGrpc {
  private bound?: { server: Server; port: number };

  constructor(
    options: GrpcOptions['options'],
    private readonly serverOptions: ServerOptions,
    private readonly credentials: ServerCredentials,
  ) {
    super(options);
  }

  /** The listening grpc-js server and its port; set once the app is listening. */
  get listening(): { server: Server; port: number } {
    if (!this.bound) throw new Error('the gRPC server is not listening yet');
    return this.bound;
  }

  override async createClient(): Promise<Server> {
    const server = new Server(this.serverOptions);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(this.url, this.credentials, (error, boundPort) =>
        error ? reject(error) : resolve(boundPort),
      ),
    );
    this.bound = { server, port };
    return server;
  }
}

import { Server, type ServerCredentials, type ServerOptions } from '@grpc/grpc-js';
import { type GrpcOptions, ServerGrpc } from '@nestjs/microservices';
import { healthOnlyCredentials } from './health-only';

/**
 * NestJS's gRPC transport with the grpc-js server built here: with our interceptors, limits
 * and credentials (plaintext or TLS), and with the port it really bound, which NestJS does not keep (port 0 in tests).
 */
export class GrpcServerStrategy extends ServerGrpc {
  private bound?: { server: Server; port: number; healthPort?: number };

  constructor(
    options: GrpcOptions['options'],
    private readonly serverOptions: ServerOptions,
    private readonly credentials: ServerCredentials,
    /** `host:port` of a plaintext port that answers health checks only, when the service has one. */
    private readonly healthUrl?: string,
  ) {
    super(options);
  }

  /** The listening grpc-js server and its port; set once the app is listening. */
  get listening(): { server: Server; port: number; healthPort?: number } {
    if (!this.bound) throw new Error('the gRPC server is not listening yet');
    return this.bound;
  }

  override async createClient(): Promise<Server> {
    const server = new Server(this.serverOptions);
    const bind = (url: string, credentials: ServerCredentials) =>
      new Promise<number>((resolve, reject) =>
        server.bindAsync(url, credentials, (error, boundPort) =>
          error ? reject(error) : resolve(boundPort),
        ),
      );
    const port = await bind(this.url, this.credentials);
    const healthPort = this.healthUrl ? await bind(this.healthUrl, healthOnlyCredentials()) : undefined;
    this.bound = { server, port, healthPort };
    return server;
  }
}

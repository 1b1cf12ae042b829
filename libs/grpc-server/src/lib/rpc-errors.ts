import { status } from '@grpc/grpc-js';
import { RpcException } from '@nestjs/microservices';

/** An RpcException that becomes the gRPC status `code` with `message`, for the caller to act on. */
export function rpcError(code: status, message: string): RpcException {
  return new RpcException({ code, message });
}

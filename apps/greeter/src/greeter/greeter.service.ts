import { status } from '@grpc/grpc-js';
import { Injectable } from '@nestjs/common';
import { rpcError } from '@quartet/grpc-server';
import type { HelloReply, HelloRequest } from '@quartet/proto';
import { defer, type Observable, of, throwError } from 'rxjs';
import { greeting, nameProblem } from './greeting';

@Injectable()
export class GreeterService {
  /** Unary: one reply, or INVALID_ARGUMENT when the name is empty or too long. */
  sayHello(request: HelloRequest): Observable<HelloReply> {
    return defer(() => {
      const problem = nameProblem(request.name);
      return problem
        ? throwError(() => rpcError(status.INVALID_ARGUMENT, problem))
        : of({ message: greeting(request.name) });
    });
  }
}

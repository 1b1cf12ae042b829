import { Controller } from '@nestjs/common';
import {
  type GreeterController as GreeterContract,
  GreeterControllerMethods,
  type HelloReply,
  type HelloRequest,
} from '@quartet/proto';
import type { Observable } from 'rxjs';
import { GreeterService } from './greeter.service';

@Controller()
@GreeterControllerMethods()
export class GreeterController implements GreeterContract {
  constructor(private readonly greeter: GreeterService) {}

  sayHello(request: HelloRequest): Observable<HelloReply> {
    return this.greeter.sayHello(request);
  }
}

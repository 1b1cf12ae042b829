import { BadRequestException, Controller, Get, Inject, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { type Caller, callerMetadata, SignedIn } from '../auth/caller';
import { Backends } from '../backends/backends';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { GreeterDefinition, SERVED_BY_HEADER } from '@quartet/proto';
import { callUnary } from '../http/grpc-call';

@Controller('api/hello')
export class HelloController {
  constructor(
    private readonly backends: Backends,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** GET /api/hello?name= → `{"message": "Hello <name>"}` from helloworld.Greeter/SayHello. */
  @Get()
  async hello(
    @Query('name') name: unknown,
    @SignedIn() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ message: string }> {
    if (typeof name !== 'string') throw new BadRequestException('query parameter "name" is required, once');
    const greeter = this.backends.client(GreeterDefinition);
    const { response, servedBy } = await callUnary(
      greeter.sayHello.bind(greeter),
      { name },
      callerMetadata(caller),
      this.config.deadlineMs,
    );
    if (servedBy) void reply.header(SERVED_BY_HEADER, servedBy);
    return { message: response.message };
  }
}

import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Backends } from '../backends/backends';
import { Policy, PUBLIC } from '../edge/route-policy';
import { GatewayDrain } from '../lifecycle/gateway-drain';

@Controller()
export class HealthController {
  constructor(
    private readonly backends: Backends,
    private readonly drain: GatewayDrain,
  ) {}

  /** GET /healthz: the gateway process is up. */
  @Get('healthz')
  @Policy(PUBLIC)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * GET /readyz: 200 when every backend reports SERVING by grpc.health.v1, else 503 naming each;
   * 503 at once, without asking, from the moment the gateway starts to shut down.
   */
  @Get('readyz')
  @Policy(PUBLIC)
  async ready(
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ ready: boolean; backends: Record<string, string>; draining?: true }> {
    if (this.drain.state !== 'serving') {
      void reply.status(503);
      return { ready: false, draining: true, backends: {} };
    }
    const backends = await this.backends.readiness(1_000);
    const ready = Object.values(backends).every((state) => state === 'SERVING');
    void reply.status(ready ? 200 : 503);
    return { ready, backends };
  }
}

import { Controller, Get, Headers, NotFoundException, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Policy, PUBLIC } from '../edge/route-policy';
import { type WebAsset, WebPage } from './web-page';

@Controller()
export class WebPageController {
  constructor(private readonly page: WebPage) {}

  /** GET / → the page. */
  @Get()
  @Policy(PUBLIC)
  index(@Headers('if-none-match') etag: string | undefined, @Res() reply: FastifyReply): void {
    this.send(this.page.asset('index.html'), 'index.html', etag, reply);
  }

  /** GET /<file> → one of the page's scripts or styles. */
  @Get(':asset')
  @Policy(PUBLIC)
  file(
    @Param('asset') name: string,
    @Headers('if-none-match') etag: string | undefined,
    @Res() reply: FastifyReply,
  ): void {
    this.send(this.page.asset(name), name, etag, reply);
  }

  private send(
    asset: WebAsset | undefined,
    name: string,
    etag: string | undefined,
    reply: FastifyReply,
  ): void {
    if (!asset) throw new NotFoundException(`no file ${name}`);
    void reply.headers(asset.headers);
    if (etag === asset.headers['etag']) void reply.status(304).send();
    else void reply.send(asset.body);
  }
}

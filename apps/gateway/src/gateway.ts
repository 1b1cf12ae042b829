import type { INestApplication, LoggerService } from '@nestjs/common';
import { processLogger } from '@quartet/grpc-server';
import { tracingOn } from '@quartet/telemetry';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { GatewayConfig } from './config';
import { ChatSocketServer } from './chat/chat-socket.server';
import { installRequestPipeline } from './edge/request-pipeline';
import { GatewayModule } from './gateway.module';
import { type DrainFigures, GatewayDrain } from './lifecycle/gateway-drain';
import { closeAfterUnreadBodies, limitedHttpServer } from './limits/http-limits';
import { MetricsListener } from './metrics/metrics-listener';
import { installApiDocs } from './openapi/api-docs';
import { contractRoutes } from './transcoding/contract-routes';
import { TranscodedRoutes } from './transcoding/transcoded-routes';
import { UPLOAD_ROUTE } from './upload/upload.controller';

export interface RunningGateway {
  readonly app: INestApplication;
  /** `http://host:port` as bound. */
  readonly url: string;
  /** `host:port` of the Prometheus endpoint's own listener. */
  readonly metricsAddress: string;
  /** Drains (see GatewayDrain) and closes the app; resolves with what the drain did. */
  shutDown(): Promise<DrainFigures>;
}

/** Starts the gateway on Fastify (docs/services.md#the-gateway-and-the-web-page says why Fastify). */
export async function startGateway(
  config: GatewayConfig,
  logger: LoggerService = processLogger(config),
): Promise<RunningGateway> {
  const app = await NestFactory.create<NestFastifyApplication>(
    GatewayModule.forRoot(config),
    new FastifyAdapter({ serverFactory: limitedHttpServer(config.limits) }),
    // No route takes a parsed body; the one that takes a body streams it (see below).
    { logger, bodyParser: false },
  );
  const fastify = app.getHttpAdapter().getInstance();
  // Fastify would read JSON and text bodies whole before the handler runs. Every body is
  // left unread instead, for POST /api/uploads to stream through.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (_request, _payload, done) => done(null));
  await installRequestPipeline(app, config, logger);
  const routes = contractRoutes();
  await app.get(TranscodedRoutes).register(app, routes);
  await installApiDocs(app, routes);
  // A sign-in's small body is read whole or refused: its connection closes after it either way.
  closeAfterUnreadBodies(fastify, [UPLOAD_ROUTE]);
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host}:${port}`;
  const metricsAddress = await app.get(MetricsListener).listen();
  logger.log({
    event: 'listening',
    address: `${config.host}:${port}`,
    url,
    metricsAddress,
    tracing: tracingOn() ? 'on' : 'off',
  });
  const shutDown = async () => {
    const figures = await app
      .get(GatewayDrain)
      .drain(app.getHttpServer(), () => app.get(ChatSocketServer).closeAll());
    await app.close();
    return figures;
  };
  return { app, url, metricsAddress, shutDown };
}

import { ConsoleLogger, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { GatewayConfig } from './config';
import { GatewayModule } from './gateway.module';

export interface RunningGateway {
  readonly app: INestApplication;
  /** `http://host:port` as bound. */
  readonly url: string;
}

/** Starts the gateway on Fastify (see README: chosen for its throughput and streaming API). */
export async function startGateway(
  config: GatewayConfig,
  logger = new ConsoleLogger({ json: config.logFormat === 'json' }),
): Promise<RunningGateway> {
  const app = await NestFactory.create<NestFastifyApplication>(
    GatewayModule.forRoot(config),
    new FastifyAdapter(),
    { logger },
  );
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host}:${port}`;
  logger.log({ event: 'listening', address: `${config.host}:${port}`, url });
  return { app, url };
}

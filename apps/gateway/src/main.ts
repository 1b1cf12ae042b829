import './instrument';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { drainOnSignal, surviveUnexpectedErrors } from '@quartet/grpc-server';
import { loadConfig } from './config';
import { startGateway } from './gateway';
import { GatewayMetrics } from './metrics/gateway-metrics';

async function main(): Promise<void> {
  try {
    // The build puts the page at dist/apps/web, beside this bundle's dist/apps/gateway.
    const { app, shutDown } = await startGateway(loadConfig(process.env, join(__dirname, '..', 'web')));
    const metrics = app.get(GatewayMetrics);
    const logger = new Logger('gateway');
    surviveUnexpectedErrors(logger, () => metrics.unexpectedErrors.inc());
    // The drain, not NestJS's shutdown hooks: those would close the server at once and then
    // wait on open streams for ever.
    drainOnSignal(
      async (signal) => logger.log({ event: 'stopped', signal, ...(await shutDown()) }),
      (error) =>
        logger.error({
          event: 'shutdown-failed',
          error: error instanceof Error ? error.stack : String(error),
        }),
    );
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}

void main();

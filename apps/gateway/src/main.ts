import './instrument';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { surviveUnexpectedErrors } from '@quartet/grpc-server';
import { stopTracing } from '@quartet/telemetry';
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
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        shutDown().then(
          async (figures) => {
            logger.log({ event: 'stopped', signal, ...figures });
            await stopTracing();
            process.exit(0);
          },
          (error: unknown) => {
            logger.error({
              event: 'shutdown-failed',
              error: error instanceof Error ? error.stack : String(error),
            });
            process.exit(1);
          },
        );
      });
    }
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}

void main();

import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { surviveUnexpectedErrors } from '@quartet/grpc-server';
import { loadConfig } from './config';
import { startGateway } from './gateway';
import { GatewayMetrics } from './metrics/gateway-metrics';

async function main(): Promise<void> {
  try {
    // The build puts the page at dist/apps/web, beside this bundle's dist/apps/gateway.
    const { app } = await startGateway(loadConfig(process.env, join(__dirname, '..', 'web')));
    const metrics = app.get(GatewayMetrics);
    surviveUnexpectedErrors(new Logger('gateway'), () => metrics.unexpectedErrors.inc());
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}

void main();

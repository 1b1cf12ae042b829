import { join } from 'node:path';
import { loadConfig } from './config';
import { startGateway } from './gateway';

async function main(): Promise<void> {
  try {
    // The build puts the page at dist/apps/web, beside this bundle's dist/apps/gateway.
    await startGateway(loadConfig(process.env, join(__dirname, '..', 'web')));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}

void main();

import { loadConfig } from './config';
import { startGateway } from './gateway';

async function main(): Promise<void> {
  try {
    await startGateway(loadConfig(process.env));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}

void main();

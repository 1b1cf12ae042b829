// The first import of main.ts: tracing starts before @grpc/grpc-js are loaded, so that
// their instrumentations can patch them (see startTracing).
import { startTracing } from '@quartet/telemetry';

startTracing({ serviceName: 'greeter' });

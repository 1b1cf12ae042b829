export { clientChannelOptions, type ChannelPolicy } from './lib/channel-options';
export { parseTarget } from './lib/target';
export { healthClient, type HealthClient, type ServingStatus } from './lib/health-client';
export { GrpcClientMetrics } from './lib/client-metrics';

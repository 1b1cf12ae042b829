export { clientChannelOptions, OUTLIER_DETECTION, type ChannelPolicy } from './lib/channel-options';
export { parseTarget } from './lib/target';
export { healthClient, type HealthClient, type ServingStatus } from './lib/health-client';
export { GrpcClientMetrics } from './lib/client-metrics';
export { healthAwareTarget, type HealthAwareOptions } from './lib/health-aware-resolver';

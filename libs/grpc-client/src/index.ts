export { clientChannelOptions, type ChannelPolicy } from './lib/channel-options';
export { parseTarget } from './lib/target';

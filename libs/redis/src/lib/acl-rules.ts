/**
 * What each app may do in a Redis it shares, as ACL rules: its own keys and channels, and every
 * command but the dangerous ones (FLUSHALL, CONFIG, KEYS, DEBUG, INFO, …); chat gets INFO back,
 * as its post script reads the server's run_id. deploy/k8s/redis.yaml gives its users these
 * rules (a deploy test checks it), and the specs run the apps against a Redis with them.
 */
export const REDIS_ACL_RULES = {
  chat: ['~quartet:chat:*', '&quartet:chat:*', '+@all', '-@dangerous', '+info'],
  gateway: ['~quartet:gateway:*', '&quartet:gateway:*', '+@all', '-@dangerous'],
} as const satisfies Record<string, readonly string[]>;

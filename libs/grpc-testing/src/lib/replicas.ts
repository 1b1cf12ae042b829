import { type ServiceProcess, spawnService } from './service-process';

/** `count` replicas of a built service on ephemeral loopback ports, named `<app>-1`, `<app>-2`, ... */
export async function spawnReplicas(
  app: string,
  count: number,
  env: Record<string, string> = {},
  firstIndex = 1,
): Promise<ServiceProcess[]> {
  const replicas: ServiceProcess[] = [];
  for (let index = firstIndex; index < firstIndex + count; index += 1) {
    replicas.push(await spawnService(app, { env: { INSTANCE_ID: `${app}-${index}`, ...env } }));
  }
  return replicas;
}

export async function stopReplicas(replicas: readonly ServiceProcess[]): Promise<void> {
  await Promise.all(replicas.map((replica) => replica.stop()));
}

/** How many answers each replica gave, by its x-served-by. */
export function tally(servedBy: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const id of servedBy) counts[id] = (counts[id] ?? 0) + 1;
  return counts;
}

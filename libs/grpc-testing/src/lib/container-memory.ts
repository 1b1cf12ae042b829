// The memory each app's Kubernetes manifest allows its container, and the V8 heap Node takes in
// it. Processes started outside a container (the attack suite, the soak, the bench) get that
// heap, so that V8 does not size itself for the test host's memory and RSS measures what the app holds.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from '@nx/devkit';
import { parseAllDocuments } from 'yaml';

const CONTAINER_LIMIT = ['spec', 'template', 'spec', 'containers', 0, 'resources', 'limits', 'memory'];

/** The memory limit of the app's container in deploy/k8s/<app>.yaml, in MiB. */
export function memoryLimitMiB(app: string): number {
  const manifest = readFileSync(join(workspaceRoot, 'deploy', 'k8s', `${app}.yaml`), 'utf8');
  const deployment = parseAllDocuments(manifest).find((document) => document.get('kind') === 'Deployment');
  const mebibytes = /^(\d+)Mi$/.exec(String(deployment?.getIn(CONTAINER_LIMIT)))?.[1];
  if (!mebibytes) throw new Error(`deploy/k8s/${app}.yaml: no memory limit in Mi on its container`);
  return Number(mebibytes);
}

/** The heap Node takes in that container: about half of a small machine's memory. */
export function containerHeapMb(app: string): number {
  return Math.floor(memoryLimitMiB(app) / 2);
}

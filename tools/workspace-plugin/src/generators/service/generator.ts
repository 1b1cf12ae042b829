import {
  formatFiles,
  generateFiles,
  type GeneratorCallback,
  getProjects,
  readJson,
  type Tree,
} from '@nx/devkit';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { gatewayProblem, wireIntoGateway } from './gateway-wiring';
import type { Catalogue } from '@quartet/service-catalogue';
import { addToDeployment, CATALOGUE } from './workspace-files';
import { nextFreePort, portProblem, portMap } from './ports';
import type { ServiceGeneratorSchema } from './schema';
import { nameProblem, serviceNames, styleProblem } from './service-names';

/**
 * `npx nx g @quartet/tools:service <name> --style <style>`: a contract with one RPC of the
 * style, an app on the shared bootstrap that serves it with specs for both, a port of its
 * own, its place in npm start, the proxy, compose and Kubernetes, and with --gateway an HTTP
 * route declared in the contract (google.api.http), which the gateway transcodes. Afterwards libs/proto is regenerated, so the app builds and its tests pass
 * at once.
 */
export async function serviceGenerator(
  tree: Tree,
  options: ServiceGeneratorSchema,
): Promise<GeneratorCallback> {
  const problem =
    nameProblem(options.name) ??
    styleProblem(options.style) ??
    gatewayProblem(options.style, options.gateway);
  if (problem) throw new Error(problem);
  const service = serviceNames(options.name);
  if (getProjects(tree).has(service.name) || tree.exists(`apps/${service.name}`)) {
    throw new Error(`a project named "${service.name}" already exists; choose another name`);
  }
  if (tree.exists(`proto/${service.protoName}`)) {
    throw new Error(`proto/${service.protoName} already exists: the contract's package would clash`);
  }
  if (!tree.exists(CATALOGUE))
    throw new Error(`${CATALOGUE} is missing: run this at the root of a quartet workspace`);

  const catalogue = readJson<Catalogue>(tree, CATALOGUE);
  const ports = portMap(catalogue);
  const port = options.port ?? nextFreePort(ports);
  const portIssue = portProblem(port, ports);
  if (portIssue) throw new Error(portIssue);

  const values = { ...service, port, style: options.style, gateway: options.gateway ?? false };
  generateFiles(tree, join(__dirname, 'files', 'common'), '.', values);
  generateFiles(tree, join(__dirname, 'files', options.style), '.', values);
  addToDeployment(tree, { ...service, port, style: options.style }, options.gateway ?? false);
  if (options.gateway) {
    generateFiles(tree, join(__dirname, 'files', `gateway-${options.style}`), '.', values);
    wireIntoGateway(tree, { ...service, port });
  }
  await formatFiles(tree);

  return () => {
    if (options.skipGenerate) return;
    regenerate(tree.root);
  };
}

/** What the tree cannot hold: the code buf and ts-proto generate, and the proxy config rendered from the catalogue. */
function regenerate(root: string): void {
  execFileSync(process.execPath, [join(root, 'tools/scripts/generate-proto.mjs')], {
    cwd: root,
    stdio: 'inherit',
  });
  execFileSync(
    process.execPath,
    [join(root, 'tools/scripts/run-ts.mjs'), join(root, 'tools/scripts/render-proxy-config.mjs')],
    { cwd: root, stdio: 'inherit' },
  );
}

export default serviceGenerator;

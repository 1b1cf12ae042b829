import { type Tree, updateJson } from '@nx/devkit';
import { isMap, isSeq, parseAllDocuments } from 'yaml';
import type { ServiceStyle } from './schema';
import type { ServiceNames } from './service-names';

type WiredService = ServiceNames & { readonly port: number; readonly style: ServiceStyle };

/** The styles a gateway route is generated for: one JSON answer, or Server-Sent Events. */
export const GATEWAY_STYLES: readonly ServiceStyle[] = ['unary', 'server-streaming'];

export function gatewayProblem(style: ServiceStyle, gateway: boolean | undefined): string | undefined {
  return gateway && !GATEWAY_STYLES.includes(style)
    ? `--gateway wires ${GATEWAY_STYLES.join(' and ')} services only; a ${style} service needs a ` +
        'route designed for it (see the upload and chat routes in apps/gateway)'
    : undefined;
}

/**
 * Gives the gateway a client of the new service (backend-list.ts: its target variable, health
 * in /readyz, metrics) and registers the route the generated controller serves; the gateway's
 * tests then build the new service, and its deployments point the gateway at it.
 */
export function wireIntoGateway(tree: Tree, service: WiredService): void {
  const { name, className, port, style } = service;
  edit(tree, 'apps/gateway/src/backends/backend-list.ts', (text) =>
    insertBefore(
      insertBefore(text, "} from '@quartet/proto';", `  ${className}ServiceDefinition,\n`),
      '} satisfies Record<',
      `  '${name}': { definition: ${className}ServiceDefinition, idempotent: ${style === 'unary'}, defaultTarget: '127.0.0.1:${port}' },\n`,
    ),
  );
  edit(tree, 'apps/gateway/src/gateway.module.ts', (text) => {
    const imports = [...text.matchAll(/^import .*;$/gm)];
    const afterImports = (imports.at(-1)?.index ?? 0) + (imports.at(-1)?.[0].length ?? 0);
    const withImport = `${text.slice(0, afterImports)}\nimport { ${className}Controller } from './${name}/${name}.controller';${text.slice(afterImports)}`;
    return insertAfter(withImport, 'controllers: [', `\n        ${className}Controller,`);
  });
  updateJson(tree, 'apps/gateway/project.json', (project) => {
    const builds = project.targets?.test?.dependsOn?.find((entry: { projects?: string[] }) => entry.projects);
    if (!builds)
      throw new Error('apps/gateway/project.json: its test target no longer lists the builds it needs');
    builds.projects.push(name);
    return project;
  });

  const variable = `${name.replace(/-/g, '_').toUpperCase()}_TARGET`;
  edit(tree, 'deploy/compose.yaml', (text) => {
    const [document] = parseAllDocuments(text);
    const environment = document?.getIn(['services', 'gateway', 'environment'], true);
    if (!document || !isMap(environment))
      throw new Error('deploy/compose.yaml: the gateway has no environment');
    environment.set(variable, `dns:///${name}:${port}`);
    return document.toString();
  });
  edit(tree, 'deploy/k8s/gateway.yaml', (text) =>
    parseAllDocuments(text)
      .map((document) => {
        if (document.get('kind') !== 'Deployment') return document.toString();
        const env = document.getIn(['spec', 'template', 'spec', 'containers', 0, 'env'], true);
        if (!isSeq(env)) throw new Error('deploy/k8s/gateway.yaml: the gateway container has no env');
        env.add(
          document.createNode({ name: variable, value: `dns:///${name}.quartet.svc.cluster.local:${port}` }),
        );
        return document.toString();
      })
      .join(''),
  );
}

function edit(tree: Tree, path: string, change: (text: string) => string): void {
  const text = tree.read(path, 'utf8');
  if (text === null) throw new Error(`${path} is missing: the gateway cannot be wired`);
  tree.write(path, change(text));
}

function insertBefore(text: string, anchor: string, insertion: string): string {
  const at = text.indexOf(anchor);
  if (at < 0)
    throw new Error(`cannot find \`${anchor}\` to wire the gateway; wire it by hand (README, Add a service)`);
  return text.slice(0, at) + insertion + text.slice(at);
}

function insertAfter(text: string, anchor: string, insertion: string): string {
  const at = text.indexOf(anchor);
  if (at < 0)
    throw new Error(`cannot find \`${anchor}\` to wire the gateway; wire it by hand (README, Add a service)`);
  return text.slice(0, at + anchor.length) + insertion + text.slice(at + anchor.length);
}

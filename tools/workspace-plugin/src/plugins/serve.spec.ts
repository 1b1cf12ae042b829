import type { CreateNodesContextV2, CreateNodesResultV2, CreateNodesV2 } from '@nx/devkit';
import { workspaceRoot } from '@nx/devkit';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const { createNodesV2 } = require('./serve.cjs') as { createNodesV2: CreateNodesV2 };

describe('the serve plugin', () => {
  let root: string;
  const write = (file: string, text: string) => {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), text);
  };
  const infer = async (files: string[]): Promise<CreateNodesResultV2> => {
    const [, createNodes] = createNodesV2;
    const context = { workspaceRoot: root, nxJsonConfiguration: {} } as CreateNodesContextV2;
    return createNodes(files, undefined, context);
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'quartet-serve-plugin-'));
    write('apps/meter/project.json', '{ "name": "meter" }');
    write(
      'apps/meter/webpack.config.js',
      "module.exports = require('../../tools/webpack/node-app.cjs')(__dirname);",
    );
    write('apps/web/project.json', '{ "name": "web" }');
    write('apps/web/webpack.config.js', "module.exports = { target: 'web' };");
    write(
      'apps/loose/webpack.config.js',
      "module.exports = require('../../tools/webpack/node-app.cjs')(__dirname);",
    );
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('gives a Node app a serve target that builds it and runs its bundle, and nothing else one', async () => {
    const sut = await infer([
      'apps/meter/webpack.config.js',
      'apps/web/webpack.config.js',
      'apps/loose/webpack.config.js',
    ]);

    expect(sut).toEqual([
      [
        'apps/meter/webpack.config.js',
        {
          projects: {
            'apps/meter': {
              targets: {
                serve: {
                  continuous: true,
                  executor: '@nx/js:node',
                  dependsOn: ['build'],
                  options: { buildTarget: 'meter:build', runBuildTargetDependencies: false, watch: false },
                },
              },
            },
          },
        },
      ],
    ]);
  });

  it('serves exactly the workspace’s Node apps: the four services and the gateway, not the page', async () => {
    const [, createNodes] = createNodesV2;
    const configs = ['greeter', 'ticker', 'upload', 'chat', 'gateway', 'web'].map(
      (app) => `apps/${app}/webpack.config.js`,
    );

    const sut = await createNodes(configs, undefined, {
      workspaceRoot,
      nxJsonConfiguration: {},
    } as CreateNodesContextV2);

    expect(sut.map(([file]) => file)).toEqual(configs.slice(0, 5));
  });
});

// @ts-check
// Gives every project with a tsconfig.json a `typecheck` target: its sources and specs checked
// by tsc, without emitting. Inferred here, so that a generated project has one with no edit
// to its project.json. (Nx's own @nx/js/typescript plugin infers it only for workspaces set
// up with TypeScript project references, which this one is not.)
'use strict';

const { existsSync } = require('node:fs');
const { dirname, join } = require('node:path');

/** @type {import('@nx/devkit').CreateNodesV2} */
exports.createNodesV2 = [
  '**/tsconfig.json',
  (configFiles, _options, context) =>
    configFiles
      .filter((file) => existsSync(join(context.workspaceRoot, dirname(file), 'project.json')))
      .map((file) => [
        file,
        {
          projects: {
            [dirname(file)]: {
              targets: {
                typecheck: {
                  command: 'tsc --noEmit -p tsconfig.json',
                  options: { cwd: dirname(file) },
                  cache: true,
                  inputs: ['default', '^production', { externalDependencies: ['typescript'] }],
                  outputs: [],
                },
              },
            },
          },
        },
      ]),
];

// @ts-check
// Gives every Node app (an app whose bundle tools/webpack/node-app.cjs makes) a `serve` target:
// `npx nx serve <app>` builds it and runs the bundle, and stops it on Ctrl-C, as it would run in
// its container. Inferred here, so that a generated service has one with no line in its
// project.json; the web page, a browser bundle, has none.
'use strict';

const { existsSync, readFileSync } = require('node:fs');
const { basename, dirname, join } = require('node:path');

const NODE_APP_BUNDLE = 'tools/webpack/node-app.cjs';

/** @type {import('@nx/devkit').CreateNodesV2} */
exports.createNodesV2 = [
  '**/webpack.config.js',
  (configFiles, _options, context) =>
    configFiles
      .filter((file) => existsSync(join(context.workspaceRoot, dirname(file), 'project.json')))
      .filter((file) => readFileSync(join(context.workspaceRoot, file), 'utf8').includes(NODE_APP_BUNDLE))
      .map((file) => {
        const root = dirname(file);
        const project = JSON.parse(readFileSync(join(context.workspaceRoot, root, 'project.json'), 'utf8'));
        const name = project.name ?? basename(root);
        return [
          file,
          {
            projects: {
              [root]: {
                targets: {
                  serve: {
                    continuous: true,
                    executor: '@nx/js:node',
                    dependsOn: ['build'],
                    options: {
                      buildTarget: `${name}:build`,
                      runBuildTargetDependencies: false,
                      watch: false,
                    },
                  },
                },
              },
            },
          },
        ];
      }),
];

// The build of every Node app in apps/: one bundle of the app and the workspace libs it
// uses, at dist/apps/<name>/main.js; npm packages stay external and are listed in a
// generated package.json, so a container installs exactly what the app needs.
const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { basename, join } = require('node:path');

module.exports = function nodeAppWebpackConfig(appDir, extra = {}) {
  return {
    output: {
      path: join(appDir, '../../dist/apps', basename(appDir)),
      clean: true,
      devtoolModuleFilenameTemplate: '[absolute-resource-path]',
    },
    plugins: [
      new NxAppWebpackPlugin({
        target: 'node',
        compiler: 'tsc',
        main: './src/main.ts',
        tsConfig: './tsconfig.app.json',
        assets: [],
        optimization: false,
        outputHashing: 'none',
        generatePackageJson: true,
        sourceMap: true,
        ...extra,
      }),
    ],
  };
};

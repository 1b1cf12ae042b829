// The web page: a browser bundle with hashed names, served by the gateway from dist/apps/web.
const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('node:path');

module.exports = {
  output: { path: join(__dirname, '../../dist/apps/web'), clean: true },
  plugins: [
    new NxAppWebpackPlugin({
      target: 'web',
      compiler: 'tsc',
      main: './src/main.ts',
      index: './src/index.html',
      // No <base>: the page's CSP allows none (base-uri 'none'), and relative URLs need none.
      baseHref: false,
      tsConfig: './tsconfig.app.json',
      styles: ['./src/styles.css'],
      assets: ['./src/favicon.svg'],
      outputHashing: 'all',
      optimization: true,
      extractCss: true,
      sourceMap: true,
    }),
  ],
};

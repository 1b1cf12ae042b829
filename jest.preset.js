const { join } = require('node:path');
const nxPreset = require('@nx/jest/preset').default;

module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  // Each project's totals land in reports/<project root>/, where `npm test` adds them up.
  reporters: ['default', join(__dirname, 'tools/jest/results-reporter.cjs')],
};

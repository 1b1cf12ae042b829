const { join } = require('node:path');
const nxPreset = require('@nx/jest/preset').default;

module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  // For hooks too. Jest's 5 s is shorter than a service or gateway takes to start on a busy
  // 2-core machine (CI runs two projects at once), and a beforeAll timed out while a process
  // was starting leaves that process running once it is up, which keeps Jest from ever exiting.
  // Longer than the 20 s a start may take (startProcess), so a start that hangs fails first.
  testTimeout: 30_000,
  // Each project's totals land in reports/<project root>/, where `npm test` adds them up.
  reporters: ['default', join(__dirname, 'tools/jest/results-reporter.cjs')],
};

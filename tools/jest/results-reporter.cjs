// Writes a project's Jest totals to reports/<project root>/jest-results.json so that
// `npm test` can print one total over every project, cached runs included (Nx restores
// the file as the test target's output).
const { mkdirSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');
const { workspaceRoot } = require('@nx/devkit');

class ResultsReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const dir = join(workspaceRoot, 'reports', relative(workspaceRoot, this.rootDir));
    mkdirSync(dir, { recursive: true });
    const totals = {
      passed: results.numPassedTests,
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      skipped: results.numPendingTests + results.numTodoTests,
    };
    writeFileSync(join(dir, 'jest-results.json'), `${JSON.stringify(totals)}\n`);
  }
}

module.exports = ResultsReporter;

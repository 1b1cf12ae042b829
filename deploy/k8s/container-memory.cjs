// @ts-check
// The memory each app's Kubernetes manifest allows its container, and the V8 heap Node takes in
// it. Processes started outside a container (the attack suite, the soak) get that heap, so that
// V8 does not size itself for the test host's memory and RSS measures what the app holds.
'use strict';

const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { parseAllDocuments } = require('yaml');

/**
 * The memory limit of the app's container in deploy/k8s/<app>.yaml, in MiB.
 * @param {string} app
 * @returns {number}
 */
function memoryLimitMiB(app) {
  const manifest = readFileSync(join(__dirname, `${app}.yaml`), 'utf8');
  const deployment = parseAllDocuments(manifest).find((document) => document.get('kind') === 'Deployment');
  const limit = deployment?.getIn([
    'spec',
    'template',
    'spec',
    'containers',
    0,
    'resources',
    'limits',
    'memory',
  ]);
  const mebibytes = /^(\d+)Mi$/.exec(String(limit))?.[1];
  if (!mebibytes) throw new Error(`deploy/k8s/${app}.yaml: no memory limit in Mi on its container`);
  return Number(mebibytes);
}

/**
 * The heap Node takes in that container: about half of a small machine's memory.
 * @param {string} app
 * @returns {number}
 */
function containerHeapMb(app) {
  return Math.floor(memoryLimitMiB(app) / 2);
}

module.exports = { memoryLimitMiB, containerHeapMb };

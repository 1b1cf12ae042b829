import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from '@nx/devkit';
import { affectedPackages, compareVersions } from './advisories.cjs';

const lock = JSON.parse(readFileSync(join(workspaceRoot, 'package-lock.json'), 'utf8'));
const { advisories } = JSON.parse(readFileSync(join(__dirname, 'advisories.json'), 'utf8'));

describe('known advisories', () => {
  it('touch no package in package-lock.json, runtime or dev', () => {
    expect(affectedPackages(lock, advisories)).toEqual([]);
  });

  it('are found in a lock that still has fastify 5.11.3, however deep it is nested', () => {
    const old = {
      packages: {
        '': { version: '0.0.0' },
        'node_modules/fastify': { version: '5.12.8' },
        'node_modules/@nestjs/platform-fastify/node_modules/fastify': { version: '5.11.3' },
      },
    };
    expect(
      affectedPackages(old, advisories).map((hit: { id: string; path: string }) => [hit.path, hit.id]),
    ).toEqual([
      ['node_modules/@nestjs/platform-fastify/node_modules/fastify', 'GHSA-3m5p-2c4r-xxw2'],
      ['node_modules/@nestjs/platform-fastify/node_modules/fastify', 'GHSA-w2qp-rph6-63g4'],
    ]);
  });

  it('leave dev-only packages out when asked for the runtime ones', () => {
    const devOnly = { packages: { 'node_modules/fastify': { version: '5.11.3', dev: true } } };
    expect(affectedPackages(devOnly, advisories, { includeDev: false })).toEqual([]);
  });
});

describe(compareVersions.name, () => {
  it.each([
    ['5.11.3', '5.12.2', -1],
    ['5.12.8', '5.12.2', 1],
    ['10.0.0', '9.9.9', 1],
    ['5.12.2', '5.12.2', 0],
    ['5.12.2-rc.1', '5.12.2', -1],
  ])('orders %s against %s as %i', (a, b, order) => {
    expect(compareVersions(a, b)).toBe(order);
  });
});

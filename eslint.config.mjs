import nx from '@nx/eslint-plugin';
import { readdirSync } from 'node:fs';

// Every app is a scope of its own (the service generator tags new apps so): its code imports its
// own scope and the shared libs, never another service's. Read from apps/, so that adding a
// service edits nothing here, and so does not mark every project as affected.
const appScopes = readdirSync(new URL('./apps', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => `scope:${entry.name}`);

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: [
      '**/dist',
      '**/out-tsc',
      '**/reports',
      'libs/proto/src/generated',
      'libs/proto/src/index.generated.ts',
    ],
  },
  {
    files: ['**/src/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          banTransitiveDependencies: true,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:proto', 'type:util'] },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:proto', 'type:util'] },
            { sourceTag: 'type:proto', onlyDependOnLibsWithTags: [] },
            // The generator and the scripts use the shared libs; tools import no code of the apps.
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:util'] },
            // The deploy project's tests drive built apps over gRPC, as any outside client would.
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:proto', 'type:util'] },
            // A service talks to another only through the generated contracts, never its code.
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            ...appScopes.map((scope) => ({
              sourceTag: scope,
              onlyDependOnLibsWithTags: [scope, 'scope:shared'],
            })),
          ],
        },
      ],
    },
  },
  {
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['**/config.ts', '**/main.ts', '**/*.spec.ts', '**/e2e/**', 'libs/grpc-testing/**'],
    rules: {
      // Configuration is read once, at start: main.ts hands process.env to config.ts.
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration in config.ts and inject it.' },
      ],
    },
  },
];

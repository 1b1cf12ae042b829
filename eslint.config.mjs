import nx from '@nx/eslint-plugin';

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
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: [] },
            // The deploy project's tests drive built apps over gRPC, as any outside client would.
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:proto', 'type:util'] },
            // A service talks to another only through the generated contracts, never its code.
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:greeter', onlyDependOnLibsWithTags: ['scope:greeter', 'scope:shared'] },
            { sourceTag: 'scope:ticker', onlyDependOnLibsWithTags: ['scope:ticker', 'scope:shared'] },
            { sourceTag: 'scope:upload', onlyDependOnLibsWithTags: ['scope:upload', 'scope:shared'] },
            { sourceTag: 'scope:chat', onlyDependOnLibsWithTags: ['scope:chat', 'scope:shared'] },
            { sourceTag: 'scope:gateway', onlyDependOnLibsWithTags: ['scope:gateway', 'scope:shared'] },
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

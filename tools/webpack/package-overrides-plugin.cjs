// The workspace's npm `overrides` of an app's own direct dependencies, put back into the
// package.json that Nx generates beside its bundle. Nx copies the other overrides but drops
// these (an override of a direct dependency with another spec is npm's EOVERRIDE), while the
// pruned lockfile still has them applied; `npm ci` in the app's image then refuses the lock,
// since a dependency's own pin (@nestjs/platform-fastify 11 pins fastify 5.11.3) no longer
// matches it. Written as in the workspace (`"fastify": "$fastify"`, a reference npm accepts).
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const workspacePackage = join(__dirname, '..', '..', 'package.json');

class PackageOverridesPlugin {
  apply(compiler) {
    const { Compilation, sources } = compiler.webpack;
    compiler.hooks.thisCompilation.tap(PackageOverridesPlugin.name, (compilation) => {
      compilation.hooks.processAssets.tap(
        // After Nx's GeneratePackageJsonPlugin, which runs at the ADDITIONAL stage.
        { name: PackageOverridesPlugin.name, stage: Compilation.PROCESS_ASSETS_STAGE_REPORT },
        () => {
          const asset = compilation.getAsset('package.json');
          if (!asset) return;
          const { overrides = {} } = JSON.parse(readFileSync(workspacePackage, 'utf8'));
          const generated = JSON.parse(asset.source.source().toString());
          const own = Object.entries(overrides).filter(([name]) => name in (generated.dependencies ?? {}));
          if (own.length === 0) return;
          const withOverrides = {
            ...generated,
            overrides: { ...generated.overrides, ...Object.fromEntries(own) },
          };
          compilation.updateAsset(
            'package.json',
            new sources.RawSource(`${JSON.stringify(withOverrides, null, 2)}\n`),
          );
        },
      );
    });
  }
}

module.exports = { PackageOverridesPlugin };

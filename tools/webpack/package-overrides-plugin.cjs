// npm `overrides` of the workspace (package.json) that concern an app's own dependencies, added
// to the package.json that Nx generates beside its bundle. Nx prunes the lockfile with the
// overrides applied but leaves them out of the package.json, and `npm ci` in the app's image
// then refuses the lock (a dependency's own pin, such as @nestjs/platform-fastify 11's
// fastify 5.11.3, no longer matches it).
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
          const withOverrides = { ...generated, overrides: Object.fromEntries(own) };
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

// Compiles tests/types/ (a strict consumer of the built package's declarations) with every
// supported TypeScript: the oldest (5.0, installed as the `typescript-5.0` alias) and the current
// one, resolving the package as Node (NodeNext) and as a bundler does. Run after `npm run build`; exits 1 if either reports an error.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
let failed = false;
for (const name of ['typescript-5.0', 'typescript']) {
  const manifest = require.resolve(`${name}/package.json`);
  const { version } = JSON.parse(readFileSync(manifest, 'utf8'));
  const tsc = join(dirname(manifest), 'bin', 'tsc');
  for (const [config, resolution] of [
    ['tsconfig.json', 'NodeNext'],
    ['tsconfig.bundler.json', 'Bundler'],
  ]) {
    const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tests', 'types', config)], { encoding: 'utf8' });
    const ok = result.status === 0;
    console.log(
      `${ok ? 'ok' : 'not ok'} - a strict consumer compiles against dist/ with TypeScript ${version} (moduleResolution ${resolution})`,
    );
    if (!ok) {
      failed = true;
      console.log(`${result.stdout}${result.stderr}`.trim().replace(/^/gm, '  # '));
    }
  }
}
process.exitCode = failed ? 1 : 0;

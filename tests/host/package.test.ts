// The built package as a consumer gets it (run after `npm run build`): what each entry loads at
// run time, source maps that resolve, declarations without the inlined core, the licences.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIST = join(ROOT, 'dist');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

/** The module graph an entry loads: its files, and every import that is not a relative path. */
async function moduleGraph(entry: string): Promise<{ files: string[]; external: string[] }> {
  const external = new Set<string>();
  const recordExternal: Plugin = {
    name: 'record-external',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^[^./]/ }, (args) => {
        external.add(args.path);
        return { path: args.path, external: true };
      });
    },
  };
  // esbuild parses the modules (static imports, re-exports and dynamic import()) and follows them.
  const result = await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'neutral',
    absWorkingDir: ROOT,
    logLevel: 'silent',
    plugins: [recordExternal],
  });
  return { files: Object.keys(result.metafile.inputs).sort(), external: [...external].sort() };
}

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return jsFiles(path);
    return entry.name.endsWith('.js') ? [path] : [];
  });
}

describe('the built package', () => {
  test('the universal entry loads nothing from other packages and nothing only the command line needs', async () => {
    const { files, external } = await moduleGraph(manifest.exports['.'].default);
    assert.deepEqual(external, [], `bare imports in the universal entry: ${external.join(', ')}`);
    assert.ok(files.includes('dist/wasm.js'), 'the graph was not followed');
    const cliOnly = files.filter((file) => file.startsWith('dist/cli'));
    assert.deepEqual(cliOnly, []);
  });

  test('the node entry adds only Node built-ins', async () => {
    const { external } = await moduleGraph(manifest.exports['./node'].default);
    assert.ok(external.length > 0);
    assert.deepEqual(
      external.filter((name) => !name.startsWith('node:')),
      [],
    );
  });

  test('dist/wasm.js carries @assemblyscript/loader with its licence notice', () => {
    const wasmHost = readFileSync(join(DIST, 'wasm.js'), 'utf8');
    const loader = JSON.parse(readFileSync(join(ROOT, 'node_modules/@assemblyscript/loader/package.json'), 'utf8'));
    assert.match(
      wasmHost.split('\n')[0],
      new RegExp(`^/\\*! Includes @assemblyscript/loader ${loader.version} \\(Apache-2\\.0\\)`),
    );
    assert.match(wasmHost, /function instantiate\(/);
    const notices = readFileSync(join(DIST, 'THIRD_PARTY_NOTICES.md'), 'utf8');
    assert.match(notices, /@assemblyscript\/loader 0\.\d+\.\d+ \(Apache-2\.0\)/);
    assert.match(notices, /Apache License\s+Version 2\.0, January 2004/);
  });

  test('every source map resolves: it is linked, and each source is inlined and matches the file it names', () => {
    const files = jsFiles(DIST);
    assert.ok(files.length > 10);
    for (const file of files) {
      const code = readFileSync(file, 'utf8');
      const link = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(code)?.[1];
      assert.ok(link, `${file} links no source map`);
      const mapPath = resolve(dirname(file), link);
      assert.ok(existsSync(mapPath), `${file}: ${link} is missing`);
      const map = JSON.parse(readFileSync(mapPath, 'utf8'));
      // A module of types only compiles to no code, and so maps nothing.
      const hasCode = code.replace(/\/\/# sourceMappingURL=\S+\s*$/, '').trim().length > 0;
      if (hasCode) assert.ok(map.mappings.length > 0, `${mapPath} maps nothing`);
      map.sources.forEach((source: string, i: number) => {
        const content = map.sourcesContent?.[i];
        assert.equal(typeof content, 'string', `${mapPath}: no content for ${source}`);
        const onDisk = resolve(dirname(mapPath), map.sourceRoot ?? '', source);
        // A bundled package's file is mapped without its own source-map link (scripts/build.mjs).
        const withoutLink = (text: string) => text.replace(/\/\/# sourceMappingURL=\S+\s*$/, '');
        if (existsSync(onDisk))
          assert.equal(
            content,
            withoutLink(readFileSync(onDisk, 'utf8')),
            `${mapPath}: ${source} differs from the file`,
          );
      });
    }
  });

  test('the inlined core is typed string in the declarations, not a 24 KB literal type', () => {
    const declarations = readFileSync(join(DIST, 'generated/wasm-binaries.d.ts'), 'utf8');
    assert.match(declarations, /export declare const SIMD_CORE_BASE64: string;/);
    assert.match(declarations, /export declare const SCALAR_CORE_BASE64: string;/);
    assert.ok(declarations.length < 1000, `${declarations.length} characters`);
  });

  test('ships an MIT LICENSE, as package.json says', () => {
    assert.equal(manifest.license, 'MIT');
    assert.ok(manifest.files.includes('LICENSE'));
    assert.match(readFileSync(join(ROOT, 'LICENSE'), 'utf8'), /^MIT License\n/);
  });
});

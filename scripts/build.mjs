// Builds dist/ from src/ (after scripts/inline-wasm.mjs): tsc writes the declarations, esbuild the
// JavaScript, one output file per source file as tsc would, with source maps that carry their
// sources. Every relative import stays as written; @assemblyscript/loader is bundled into
// dist/wasm.js (its licence in a banner and in dist/THIRD_PARTY_NOTICES.md), so the universal
// entry imports nothing by bare name and a page loads it with no import map and no bundler.
// Node built-ins (`node:*`) and the command line's own dependencies stay imports.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

/** Packages whose code is copied into dist/, with the file that names their licence. */
const BUNDLED = ['@assemblyscript/loader'];

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function packageInfo(name) {
  const manifest = JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8'));
  return { name, version: manifest.version, license: manifest.license, author: manifest.author };
}

/** Keeps every import as written except the bundled packages, which esbuild inlines. */
const keepImports = {
  name: 'keep-imports',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point' || BUNDLED.includes(args.path)) return undefined;
      if (args.importer.includes(`${join('node_modules', '')}`)) return undefined;
      return { path: args.path, external: true };
    });
  },
};

rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], {
  stdio: 'inherit',
});

const loader = packageInfo('@assemblyscript/loader');
const notice =
  `/*! Includes ${loader.name} ${loader.version} (${loader.license}), ` +
  `copyright the AssemblyScript authors: see THIRD_PARTY_NOTICES.md beside this file. */`;
const common = {
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  outdir: join(root, 'dist'),
  outbase: join(root, 'src'),
  sourcemap: 'linked',
  sourcesContent: true,
  plugins: [keepImports],
  logLevel: 'warning',
};
const files = sourceFiles(join(root, 'src'));
const wasmHost = join(root, 'src', 'wasm.ts');
await build({ ...common, entryPoints: files.filter((file) => file !== wasmHost) });
await build({ ...common, entryPoints: [wasmHost], banner: { js: notice } });

// Apache-2.0 §4: a copy of the licence and the NOTICE file go with the bundled code. The loader's
// package ships neither; they are the AssemblyScript project's (the assemblyscript package).
const license = readFileSync(join(root, 'node_modules', 'assemblyscript', 'LICENSE'), 'utf8');
const noticeFile = readFileSync(join(root, 'node_modules', 'assemblyscript', 'NOTICE'), 'utf8');
writeFileSync(
  join(root, 'dist', 'THIRD_PARTY_NOTICES.md'),
  `# Third-party code in this directory\n\n` +
    `\`wasm.js\` includes ${loader.name} ${loader.version} (${loader.license}), part of AssemblyScript,\n` +
    `https://github.com/AssemblyScript/assemblyscript (lib/loader).\n\n` +
    `## NOTICE\n\n${noticeFile.trim()}\n\n## LICENSE\n\n${license.trim()}\n`,
);
console.log(`built dist/ from ${files.length} files (${relative(root, wasmHost)} bundles ${BUNDLED.join(', ')})`);

// Builds dist/ from src/ (after scripts/inline-wasm.mjs): tsc writes the declarations, esbuild the
// JavaScript, one output file per source file as tsc would, with source maps that carry their
// sources. Every relative import stays as written; @assemblyscript/loader is bundled into
// dist/wasm.js and saxes (with xmlchars) into dist/xml-parser.js, their licences in a banner and in
// dist/THIRD_PARTY_NOTICES.md, so no entry imports anything by bare name and a page loads any of
// them with no import map and no bundler. Node built-ins (`node:*`) stay imports.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

/** Packages whose code is copied into dist/, with the file that names their licence. */
const BUNDLED = ['@assemblyscript/loader', 'saxes'];

// saxes ships no licence file; its package.json says ISC. The ISC licence's text:
const ISC_TEXT = `Copyright Louis-Dominique Dubeau and contributors; sax: copyright Isaac Z. Schlueter and contributors.

Permission to use, copy, modify, and/or distribute this software for any purpose with or without fee
is hereby granted, provided that the above copyright notice and this permission notice appear in all
copies.

THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES WITH REGARD TO THIS SOFTWARE
INCLUDING ALL IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE
FOR ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES WHATSOEVER RESULTING FROM
LOSS OF USE, DATA OR PROFITS, WHETHER IN AN ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION,
ARISING OUT OF OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.`;

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

/**
 * Bundled packages' own source maps point at sources they do not ship (saxes maps to TypeScript
 * files missing from its package): map the bundled code to the JavaScript that is there instead.
 */
const ownSourceOnly = {
  name: 'own-source-only',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /[\\/]node_modules[\\/].*\.js$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replace(/\/\/# sourceMappingURL=\S+\s*$/, ''),
      loader: 'js',
    }));
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
  plugins: [keepImports, ownSourceOnly],
  logLevel: 'warning',
};
const saxes = packageInfo('saxes');
const xmlchars = packageInfo('xmlchars');
const parserNotice =
  `/*! Includes ${saxes.name} ${saxes.version} (${saxes.license}) and ${xmlchars.name} ${xmlchars.version} ` +
  `(${xmlchars.license}), copyright Louis-Dominique Dubeau and contributors: see THIRD_PARTY_NOTICES.md. */`;
const files = sourceFiles(join(root, 'src'));
const wasmHost = join(root, 'src', 'wasm.ts');
const xmlParser = join(root, 'src', 'xml-parser.ts');
await build({ ...common, entryPoints: files.filter((file) => file !== wasmHost && file !== xmlParser) });
await build({ ...common, entryPoints: [wasmHost], banner: { js: notice } });
// saxes and xmlchars are CommonJS packages: name their main field for the neutral platform.
await build({ ...common, entryPoints: [xmlParser], mainFields: ['module', 'main'], banner: { js: parserNotice } });

// Apache-2.0 §4: a copy of the licence and the NOTICE file go with the bundled code. The loader's
// package ships neither; they are the AssemblyScript project's (the assemblyscript package).
const license = readFileSync(join(root, 'node_modules', 'assemblyscript', 'LICENSE'), 'utf8');
const noticeFile = readFileSync(join(root, 'node_modules', 'assemblyscript', 'NOTICE'), 'utf8');
writeFileSync(
  join(root, 'dist', 'THIRD_PARTY_NOTICES.md'),
  `# Third-party code in this directory\n\n` +
    `\`wasm.js\` includes ${loader.name} ${loader.version} (${loader.license}), part of AssemblyScript,\n` +
    `https://github.com/AssemblyScript/assemblyscript (lib/loader).\n\n` +
    `## NOTICE\n\n${noticeFile.trim()}\n\n## LICENSE\n\n${license.trim()}\n\n` +
    `# \`xml-parser.js\`\n\n` +
    `\`xml-parser.js\` includes ${saxes.name} ${saxes.version} (${saxes.license}), https://github.com/lddubeau/saxes,\n` +
    `a fork of sax 1.2.4 (ISC, Isaac Z. Schlueter), and ${xmlchars.name} ${xmlchars.version} (${xmlchars.license}),\n` +
    `https://github.com/lddubeau/xmlchars.\n\n## saxes (ISC)\n\n${ISC_TEXT}\n\n` +
    `## xmlchars (MIT)\n\n${readFileSync(join(root, 'node_modules', 'xmlchars', 'LICENSE'), 'utf8').trim()}\n`,
);
console.log(`built dist/ from ${files.length} files (bundled: ${BUNDLED.join(', ')})`);

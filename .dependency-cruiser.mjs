// The floors of the import graph, checked by `npm run deps` (part of `npm test`).
// Bottom to top:
//   assembly/                the core (AssemblyScript); knows nothing of the host
//   src/errors.ts            the error family, under everything
//   src/wasm.ts, generated/  the one door to WebAssembly
//   the writer               xml-writer, names, xml-text, encodings/, sink, ring, options, headers,
//                            create-writer and their helpers: every src/ file not named below
//   src/reader/              the reader, on the writer's floor: uses only the door, errors, names
//                            and the XML parser (src/xml-parser.ts)
//   the edges                streams, sources, http (http-message, post-message-options), node
//                            (node-streams, node-sources, node-http), soap/, cli, and the browser upload
//                            (browser-upload, blob-message, blob-references, request-stream-error)
//   src/xml/                 copying XML into a writer (writeXml, packMessage): above the writer,
//                            the sources and HTTP; below the CLI and soap/, which use it
//   src/index.ts, node.ts    the entries, which only the CLI (a program on top) imports
// Type-only imports count: a circle through types is still a circle in the design.
const EDGES =
  '^src/(streams|sources|http|http-message|post-message-options|node|node-[a-z]+|cli|browser-upload|blob-message|' +
  'blob-references|request-stream-error)\\.ts$|^src/(cli|soap)/';
const ENTRIES = '^src/(index|node)\\.ts$';
const CORE_DOOR = '^src/(wasm\\.ts$|generated/)';
const ERRORS = '^src/errors\\.ts$';
const READER = '^src/reader/';
const XML_COPIER = '^src/xml/';
const NOT_WRITER = [EDGES, ENTRIES, CORE_DOOR, ERRORS, READER, XML_COPIER];

export default {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No module reaches itself again through its imports (type-only imports included).',
      severity: 'error',
      from: { path: '^(src|assembly)/' },
      to: { circular: true },
    },
    {
      name: 'core-knows-no-host',
      comment: 'assembly/ is compiled on its own: it imports nothing outside assembly/.',
      severity: 'error',
      from: { path: '^assembly/' },
      to: { pathNot: '^assembly/' },
    },
    {
      name: 'errors-are-the-floor',
      comment: 'src/errors.ts imports nothing of the library.',
      severity: 'error',
      from: { path: ERRORS },
      to: { path: '^src/' },
    },
    {
      name: 'core-door-knows-no-writer',
      comment: 'src/wasm.ts imports only the error family and the generated core bytes.',
      severity: 'error',
      from: { path: CORE_DOOR },
      to: { path: '^src/', pathNot: [CORE_DOOR, ERRORS] },
    },
    {
      name: 'writer-knows-no-edge',
      comment: 'The writer imports nothing from the edges, the entries, the reader or the XML copier.',
      severity: 'error',
      from: { path: '^src/', pathNot: NOT_WRITER },
      to: { path: [EDGES, ENTRIES, READER, XML_COPIER] },
    },
    {
      name: 'xml-writer-knows-no-encoding',
      comment: 'The XML writer reaches encodings only through the Encoding interface (encodings/encoding.ts).',
      severity: 'error',
      from: { path: '^src/xml-writer\\.ts$' },
      to: { path: '^src/encodings/', pathNot: '^src/encodings/encoding\\.ts$' },
    },
    {
      name: 'reader-uses-core-errors-names',
      comment: 'The reader stands on the core door, the error family, names.ts and the XML parser only.',
      severity: 'error',
      from: { path: READER },
      to: { path: '^src/', pathNot: [READER, CORE_DOOR, ERRORS, '^src/names\\.ts$', '^src/xml-parser\\.ts$'] },
    },
    {
      name: 'xml-copier-below-programs',
      comment:
        'The XML copier sits above the writer and the sources and HTTP helpers it feeds (writeXml fills ' +
        'placeholders through writeAttachment, packMessage sends); below the CLI and the SOAP adapter.',
      severity: 'error',
      from: { path: XML_COPIER },
      to: { path: ['^src/(cli|soap)/', '^src/cli\\.ts$', ENTRIES] },
    },
    {
      name: 'entries-are-the-top',
      comment: 'Only the entries themselves and the CLI import src/index.ts or src/node.ts.',
      severity: 'error',
      from: { path: '^src/', pathNot: [ENTRIES, '^src/cli(\\.ts$|/)'] },
      to: { path: ENTRIES },
    },
  ],
  options: {
    includeOnly: '^(src|assembly)/',
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs'] },
  },
};

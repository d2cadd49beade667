/**
 * The XML parser that the reader, writeXml and the command line share: saxes, a streaming,
 * namespace-aware, well-formedness-checking parser. scripts/build.mjs bundles it (with xmlchars)
 * into dist/xml-parser.js, so no entry of the package imports another package by bare name and a
 * page loads the reader with no import map and no bundler.
 */
export { SaxesParser } from 'saxes';
export type { SaxesOptions, SaxesTagNS, XMLDecl } from 'saxes';

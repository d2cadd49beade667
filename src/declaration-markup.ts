/**
 * Namespace declarations as markup made once (` xmlns:p="uri"`, Namespaces in XML 1.0 §3):
 * messages declare the same few namespaces over and over, so a declaration is escaped and encoded
 * once and then written like a cached tag. Only URIs the JavaScript escape table covers (ASCII
 * without C0 controls) and of at most URI_LIMIT characters are cached; any other goes through the
 * core's check every time.
 */
import { EncodedMarkup } from './encoded-markup.js';
import { escapedAsciiAttribute } from './xml-text.js';

interface Declaration {
  readonly prefix: string;
  readonly markup: EncodedMarkup;
  /** The next cached declaration of the same URI with another prefix. */
  readonly next: Declaration | undefined;
}

/** Declarations by URI, each with a short chain of its prefixes. */
const declarations = new Map<string, Declaration>();
let declarationCount = 0;
const DECLARATIONS_LIMIT = 1024;
const URI_LIMIT = 512;

/** ` xmlns:prefix="ns"` (` xmlns="ns"` for ''), escaped and encoded; undefined if `ns` is not cacheable. */
export function declarationMarkup(prefix: string, ns: string): EncodedMarkup | undefined {
  let declaration = declarations.get(ns);
  while (declaration !== undefined && declaration.prefix !== prefix) declaration = declaration.next;
  if (declaration !== undefined) return declaration.markup;
  if (declarationCount >= DECLARATIONS_LIMIT || ns.length > URI_LIMIT) return undefined;
  const value = escapedAsciiAttribute(ns);
  if (value === undefined) return undefined;
  const markup = new EncodedMarkup(` ${prefix ? `xmlns:${prefix}` : 'xmlns'}="${value}"`);
  declarations.set(ns, { prefix, markup, next: declarations.get(ns) });
  declarationCount++;
  return markup;
}

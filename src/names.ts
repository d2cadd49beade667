/**
 * XML names and namespace scopes: NCName checks (Namespaces in XML 1.0 §3, XML 1.0 5th ed. §2.3
 * NameStartChar / NameChar), and the prefix bindings in force at each open element.
 */
import { EncodedMarkup } from './encoded-markup.js';
import { invalidArg, invalidOperation, quotaExceeded } from './errors.js';

export const XML_NS = 'http://www.w3.org/XML/1998/namespace';
export const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';
/** XOP 1.0 §3: the namespace of xop:Include. */
export const XOP_NS = 'http://www.w3.org/2004/08/xop/include';
/**
 * Describing Media Content of Binary Data in XML: the xmime namespaces (the W3C Note's and its
 * drafts') whose contentType attribute names a part's Content-Type.
 */
export const XMIME_NAMESPACES: ReadonlySet<string> = new Set([
  'http://www.w3.org/2005/05/xmlmime',
  'http://www.w3.org/2004/11/xmlmime',
  'http://www.w3.org/2004/06/xmlmime',
]);

const NAME_START =
  'A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D' +
  '\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const NAME_CHAR = `${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040`;
const NCNAME = new RegExp(`^[${NAME_START}][${NAME_CHAR}]*$`, 'u');

/** Names already checked: documents repeat a few names many times. */
const knownNames = new Set<string>();
const KNOWN_NAMES_LIMIT = 4096;

/** Whether `name` is an NCName: an XML Name without a colon. */
export function isNCName(name: string): boolean {
  if (knownNames.has(name)) return true;
  if (!NCNAME.test(name)) return false;
  if (knownNames.size < KNOWN_NAMES_LIMIT) knownNames.add(name);
  return true;
}

/** The markup of a qualified name, made once: `<p:l` opens a start tag, `</p:l>` is the end tag. */
export interface MarkupName {
  readonly prefix: string;
  readonly startTag: EncodedMarkup;
  readonly endTag: EncodedMarkup;
  /** ` p:l="`: an attribute's name, up to its value. */
  readonly attributeHead: EncodedMarkup;
  /** The next cached name with the same local name and another prefix. */
  readonly next: MarkupName | undefined;
}

/**
 * Qualified names by local name, each with a short chain of its prefixes: documents repeat a few
 * names many times, and one lookup finds them.
 */
const qualifiedNames = new Map<string, MarkupName>();
let qualifiedNameCount = 0;

/**
 * The cached markup of `prefix:localName`, or undefined. Only checked names are cached, so a hit
 * means both are known to be NCNames (or '' for no prefix).
 */
export function knownQualifiedName(prefix: string, localName: string): MarkupName | undefined {
  let name = qualifiedNames.get(localName);
  while (name !== undefined && name.prefix !== prefix) name = name.next;
  return name;
}

/** The markup of `prefix:localName` (both already checked), from the cache when it is there. */
export function qualifiedName(prefix: string, localName: string): MarkupName {
  const known = knownQualifiedName(prefix, localName);
  if (known) return known;
  // `p:l`, or `l` without a prefix.
  const qname = prefix ? `${prefix}:${localName}` : localName;
  const first = qualifiedNames.get(localName);
  const made: MarkupName = {
    prefix,
    startTag: new EncodedMarkup(`<${qname}`),
    endTag: new EncodedMarkup(`</${qname}>`),
    attributeHead: new EncodedMarkup(` ${qname}="`),
    next: first,
  };
  if (qualifiedNameCount < KNOWN_NAMES_LIMIT) {
    qualifiedNames.set(localName, made);
    qualifiedNameCount++;
  }
  return made;
}

/**
 * Checks `prefix` (undefined: the writer chooses) and `localName` as NCNames, skipping both when
 * the pair is cached; returns its cached markup, or undefined when it was not cached.
 */
export function checkQualifiedName(prefix: string | undefined, localName: string): MarkupName | undefined {
  const known = prefix === undefined ? undefined : knownQualifiedName(prefix, localName);
  if (known === undefined) {
    checkPrefix(prefix, 'prefix');
    checkNCName(localName, 'localName');
  }
  return known;
}

export function checkNCName(name: string, what: string): void {
  if (typeof name !== 'string' || !isNCName(name)) {
    throw invalidArg(`${what} ${JSON.stringify(name)} is not an NCName`);
  }
}

/** A prefix: undefined (let the writer choose), '' (the default namespace) or an NCName. */
export function checkPrefix(prefix: string | undefined, what: string): void {
  if (prefix === undefined || prefix === '') return;
  checkNCName(prefix, what);
}

export function checkNamespaceUri(ns: string): void {
  if (typeof ns !== 'string') throw invalidArg('a namespace URI must be a string');
}

/**
 * The namespace bindings in scope, as a stack of declarations with a mark per open element.
 * Lookups walk from the innermost declaration outwards (Namespaces in XML 1.0 §6.1). The stack
 * only grows: closing an element moves the count back, so its slots are reused.
 */
export class NamespaceScope {
  private readonly prefixes: string[] = ['xml', ''];
  private readonly uris: string[] = [XML_NS, ''];
  private count = 2;
  private readonly marks: number[] = [];
  private generated = 0;

  constructor(private readonly maxNamespaces: number) {}

  /** Opens the scope of a new element. */
  push(): void {
    this.marks.push(this.count);
  }

  /** Closes the innermost element's scope. */
  pop(): void {
    this.count = this.marks.pop() ?? 2;
  }

  /** The URI bound to a prefix, or undefined. */
  lookupNamespace(prefix: string): string | undefined {
    const prefixes = this.prefixes;
    for (let i = this.count - 1; i >= 0; i--) {
      if (prefixes[i] === prefix) return this.uris[i];
    }
    return undefined;
  }

  /** An in-scope prefix bound to `ns` and not shadowed; non-default unless `allowDefault`. */
  lookupPrefix(ns: string, allowDefault: boolean): string | undefined {
    for (let i = this.count - 1; i >= 0; i--) {
      const prefix = this.prefixes[i];
      if (this.uris[i] !== ns || (!allowDefault && prefix === '')) continue;
      if (this.lookupNamespace(prefix) === ns) return prefix;
    }
    return undefined;
  }

  /** Whether the innermost element already declares `prefix`. */
  declaredHere(prefix: string): string | undefined {
    const depth = this.marks.length;
    const start = depth > 0 ? this.marks[depth - 1] : 0;
    for (let i = start; i < this.count; i++) {
      if (this.prefixes[i] === prefix) return this.uris[i];
    }
    return undefined;
  }

  /** Records a declaration on the innermost element (WS_XML_WRITER_PROPERTY_MAX_NAMESPACES). */
  declare(prefix: string, ns: string): void {
    const declaredHere = this.marks.length ? this.count - this.marks[this.marks.length - 1] : 0;
    if (declaredHere >= this.maxNamespaces) {
      throw quotaExceeded(`more than maxNamespaces (${this.maxNamespaces}) declarations on one element`);
    }
    this.prefixes[this.count] = prefix;
    this.uris[this.count] = ns;
    this.count++;
  }

  /** The prefix for an element; it is declared on it unless already bound to `ns` in scope. */
  prefixForElement(prefix: string | undefined, ns: string): string {
    if (prefix === undefined) {
      if (ns === '') return '';
      return this.lookupPrefix(ns, true) ?? this.generatePrefix();
    }
    if (prefix !== '' && ns === '') throw invalidArg(`the prefix ${prefix} needs a namespace`);
    checkBinding(prefix, ns);
    return prefix;
  }

  /**
   * The prefix for an attribute ('' for no namespace); it is declared on the open start tag
   * unless already bound in scope. `usedOnTag` is what the tag already uses `prefix` for.
   */
  prefixForAttribute(prefix: string | undefined, ns: string, usedOnTag: string | undefined): string {
    if (ns === '') {
      if (prefix) throw invalidArg(`the prefix ${prefix} needs a namespace`);
      return '';
    }
    if (prefix === '') throw invalidArg('an attribute in a namespace needs a prefix');
    if (ns === XML_NS) return 'xml';
    if (prefix === undefined) return this.lookupPrefix(ns, false) ?? this.generatePrefix();
    checkBinding(prefix, ns);
    if (this.lookupNamespace(prefix) === ns) return prefix;
    if ((usedOnTag !== undefined && usedOnTag !== ns) || this.declaredHere(prefix) !== undefined) {
      throw invalidOperation(`the prefix ${prefix} is already bound to another namespace on this element`);
    }
    return prefix;
  }

  /** A fresh prefix that is not bound in scope. */
  generatePrefix(): string {
    for (;;) {
      const prefix = `ns${this.generated++}`;
      if (this.lookupNamespace(prefix) === undefined) return prefix;
    }
  }
}

/** Rules for binding a prefix (Namespaces in XML 1.0 §3, "Namespace constraint: Reserved Prefixes"). */
export function checkBinding(prefix: string, ns: string): void {
  if (prefix === 'xmlns') throw invalidArg('the prefix xmlns cannot be declared');
  if (ns === XMLNS_NS) throw invalidArg(`${XMLNS_NS} cannot be bound to a prefix`);
  if (prefix === 'xml' && ns !== XML_NS) throw invalidArg(`the prefix xml is bound only to ${XML_NS}`);
  if (prefix !== 'xml' && ns === XML_NS) throw invalidArg(`${XML_NS} is bound only to the prefix xml`);
  if (prefix !== '' && ns === '') throw invalidOperation(`the prefix ${prefix} cannot be bound to the empty namespace`);
}

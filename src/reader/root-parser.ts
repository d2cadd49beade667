/**
 * The root part's XML, parsed as it arrives (saxes, namespace-aware) into reader nodes, with the
 * XOP rules applied (XOP §3): an `xop:Include` is the whole content of its parent, has no
 * content of its own, refers to a part by `cid:` URL (RFC 2392), and each part is included once.
 * The Include is not surfaced: its parent gets a `bytes` node.
 *
 * No DTD is ever processed: a DOCTYPE is refused, so no entity can be declared, and references
 * to undeclared entities are errors of the parser (XML 1.0 §4.1 WFC: Entity Declared).
 */
import type { SaxesParser, SaxesTagNS } from '../xml-parser.js';
import { XMLNS_NS, XOP_NS } from '../names.js';
import { readerInvalidFormat, readerQuotaExceeded, XmlReaderError } from './errors.js';
import type { ResolvedLimits } from './options.js';
import type { BytesNode, XmlAttribute, XmlNode } from './nodes.js';

/**
 * saxes is loaded on first use, not when the package is: compiling its Unicode name tables costs
 * tens of milliseconds, which a program that only writes should not pay.
 */
let xmlParser: Promise<typeof import('../xml-parser.js')> | undefined;
export const loadXmlParser = () => (xmlParser ??= import('../xml-parser.js'));

const WHITESPACE = /^[ \t\r\n]*$/;

interface Frame {
  /** This frame is an xop:Include. */
  include: boolean;
  /** Child elements or non-whitespace text have been reported. */
  hasContent: boolean;
  /** It holds an xop:Include: nothing but whitespace may follow. */
  sealed: boolean;
  name: string;
}

export class RootParser {
  /** Bytes nodes by Content-ID, in document order. */
  readonly includes = new Map<string, BytesNode>();
  /** The root element has been closed. */
  rootClosed = false;
  private readonly parser: SaxesParser<{ xmlns: true }>;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private readonly frames: Frame[] = [];
  private text = '';
  private sawRoot = false;

  constructor(
    Parser: typeof SaxesParser,
    private readonly limits: ResolvedLimits,
    private readonly emit: (node: XmlNode) => void,
    /** Whether xop:Include elements are XOP references (MTOM) or ordinary elements (plain XML). */
    private readonly xop: boolean,
  ) {
    const p = new Parser({ xmlns: true });
    this.parser = p;
    p.on('doctype', () => {
      throw readerInvalidFormat('the XML has a DOCTYPE; SOAP messages may not (no entity is ever expanded)');
    });
    p.on('opentag', (tag) => this.open(tag));
    p.on('closetag', () => this.closeElement());
    p.on('text', (text) => this.onText(text));
    p.on('cdata', (text) => this.onCdata(text));
    p.on('comment', (text) => {
      if (this.top()?.include) return;
      this.flushText();
      this.emit({ type: 'comment', value: text });
    });
  }

  /** Parses the next bytes of the root part (UTF-8). */
  write(bytes: Uint8Array): void {
    let text: string;
    try {
      text = this.decoder.decode(bytes, { stream: true });
    } catch {
      throw readerInvalidFormat('the root part is not valid UTF-8');
    }
    this.parse(() => this.parser.write(text));
  }

  /** The root part has ended: the document must be complete. */
  close(): void {
    let text: string;
    try {
      text = this.decoder.decode();
    } catch {
      throw readerInvalidFormat('the root part ends inside a UTF-8 sequence');
    }
    this.parse(() => this.parser.write(text).close());
    if (!this.sawRoot) throw readerInvalidFormat('the root part holds no XML element');
  }

  private parse(step: () => void): void {
    try {
      step();
    } catch (error) {
      if (error instanceof XmlReaderError) throw error;
      throw readerInvalidFormat(
        `malformed XML in the root part: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  private top(): Frame | undefined {
    return this.frames[this.frames.length - 1];
  }

  private checkName(name: string): void {
    if (name.length > this.limits.maxNameLength) {
      throw readerQuotaExceeded(
        `a name of ${name.length} characters is longer than maxNameLength (${this.limits.maxNameLength})`,
      );
    }
  }

  private open(tag: SaxesTagNS): void {
    const parent = this.top();
    this.checkName(tag.name);
    if (this.frames.length >= this.limits.maxDepth) {
      throw readerQuotaExceeded(`elements nest deeper than maxDepth (${this.limits.maxDepth})`);
    }
    if (parent?.include) throw readerInvalidFormat(`xop:Include must be empty, but it contains <${tag.name}>`);
    if (parent?.sealed)
      throw readerInvalidFormat(
        `<${parent.name}> holds an xop:Include, which must be its only content, and also <${tag.name}>`,
      );
    if (this.xop && tag.uri === XOP_NS && tag.local === 'Include') {
      this.openInclude(tag, parent);
      return;
    }
    this.flushText();
    if (parent) parent.hasContent = true;
    this.sawRoot = true;
    const attributes: XmlAttribute[] = [];
    const namespaces = Object.entries(tag.ns).map(([prefix, namespace]) => ({ prefix, namespace }));
    for (const a of Object.values(tag.attributes)) {
      if (a.uri === XMLNS_NS || (a.prefix === '' && a.local === 'xmlns')) continue;
      this.checkName(a.name);
      attributes.push({ prefix: a.prefix, localName: a.local, namespace: a.uri, value: a.value });
    }
    if (attributes.length > this.limits.maxAttributes) {
      throw readerQuotaExceeded(
        `<${tag.name}> has ${attributes.length} attributes, more than maxAttributes (${this.limits.maxAttributes})`,
      );
    }
    this.frames.push({ include: false, hasContent: false, sealed: false, name: tag.name });
    this.emit({
      type: 'element',
      prefix: tag.prefix,
      localName: tag.local,
      namespace: tag.uri,
      namespaces,
      attributes,
    });
  }

  private openInclude(tag: SaxesTagNS, parent: Frame | undefined): void {
    if (!parent) throw readerInvalidFormat('xop:Include cannot be the root element');
    if (parent.hasContent || !WHITESPACE.test(this.text)) {
      throw readerInvalidFormat(
        `<${parent.name}> holds an xop:Include, which must be its only content, and other content too`,
      );
    }
    this.text = ''; // whitespace beside the Include is not content (XOP §3)
    const href = Object.values(tag.attributes).find((a) => a.local === 'href' && a.uri === '')?.value;
    if (href === undefined) throw readerInvalidFormat('an xop:Include has no href attribute');
    if (!/^cid:/i.test(href))
      throw readerInvalidFormat(`an xop:Include href "${href}" is not a cid: URL (XOP §3, RFC 2392)`);
    let contentId: string;
    try {
      contentId = decodeURIComponent(href.slice(4));
    } catch {
      throw readerInvalidFormat(`an xop:Include href "${href}" has a malformed %-escape`);
    }
    if (contentId === '') throw readerInvalidFormat('an xop:Include href is "cid:" with no Content-ID');
    if (this.includes.has(contentId))
      throw readerInvalidFormat(`two xop:Include elements refer to the same part, cid:${contentId}`);
    const node: BytesNode = { type: 'bytes', contentId, contentType: 'application/octet-stream', headers: {} };
    this.includes.set(contentId, node);
    parent.sealed = true;
    this.frames.push({ include: true, hasContent: false, sealed: false, name: tag.name });
    this.emit(node);
  }

  private closeElement(): void {
    // The parser closes only an element it opened, so there is always a frame to pop.
    const frame = this.frames.pop();
    if (frame === undefined || frame.include) return;
    this.flushText();
    this.emit({ type: 'end' });
    if (this.frames.length === 0) this.rootClosed = true;
  }

  private onText(text: string): void {
    const frame = this.top();
    if (!frame) return; // whitespace outside the root element (the parser refuses anything else)
    if (frame.include || frame.sealed) {
      if (!WHITESPACE.test(text)) {
        throw readerInvalidFormat(
          frame.include
            ? 'xop:Include must be empty, but it holds text'
            : `<${frame.name}> holds an xop:Include and also text`,
        );
      }
      return;
    }
    this.text += text;
  }

  private onCdata(text: string): void {
    const frame = this.top();
    if (!frame) return;
    if (frame.include || frame.sealed) {
      if (!WHITESPACE.test(text))
        throw readerInvalidFormat(
          'an xop:Include must be the only content of its parent, but there is a CDATA section',
        );
      return;
    }
    this.flushText();
    frame.hasContent ||= !WHITESPACE.test(text);
    this.emit({ type: 'cdata', value: text });
  }

  /** Reports the text gathered since the last markup as one node. */
  private flushText(): void {
    if (this.text === '') return;
    const frame = this.top();
    if (frame && !WHITESPACE.test(this.text)) frame.hasContent = true;
    this.emit({ type: 'text', value: this.text });
    this.text = '';
  }
}

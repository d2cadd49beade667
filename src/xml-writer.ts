/**
 * The XML writer (WS_XML_WRITER): elements, attributes, namespaces and content, written
 * synchronously into the ring. It knows no encoding: binary content goes to the Encoding. When a
 * call may be made is the CallDiscipline's business (src/call-discipline.ts).
 */
import type { CallDiscipline } from './call-discipline.js';
import type { BinaryElement, Encoding } from './encodings/encoding.js';
import { invalidArg, invalidOperation, operationAborted, quotaExceeded } from './errors.js';
import {
  NamespaceScope,
  XMIME_NAMESPACES,
  XMLNS_NS,
  XOP_NS,
  checkBinding,
  checkNCName,
  checkNamespaceUri,
  checkPrefix,
} from './names.js';
import { resolveBinaryOptions, type BinaryOptions, type ResolvedOptions } from './options.js';
import type { RingChannel } from './ring.js';
import type { PullBytesCallback, PushBytesCallback } from './sink.js';
import { isPlain, type XmlTextOutput } from './xml-text.js';

/**
 * An element's binary content, claimed at once (the element is sealed and the writer held) and
 * produced when `push` or `pull` hands over the callback: how attachment sources that must first
 * open a file keep a forgotten await from losing their content.
 */
export interface BinaryClaim {
  push(callback: PushBytesCallback, options?: BinaryOptions): Promise<void> | undefined;
  pull(callback: PullBytesCallback, options?: BinaryOptions): Promise<void> | undefined;
  /** The content will never come: faults the writer with `error`. */
  default(error: unknown): void;
}

let claimOf: (writer: XmlWriter, name: string) => BinaryClaim;

/** Claims the current element's binary content for a source (not part of the public API). */
export function claimBinaryContent(writer: XmlWriter, name: string): BinaryClaim {
  return claimOf(writer, name);
}

/** What an element holds so far: binary content must be its only content (XOP §3). */
type Content = 'none' | 'mixed' | 'bytes' | 'sealed';

interface OpenElement extends BinaryElement {
  qname: string;
  prefix: string;
  ns: string;
  startTagOpen: boolean;
  content: Content;
  /** `{ns}local` of its attributes, made at the first attribute. */
  attributeKeys: Set<string> | null;
  /** Prefixes its attributes use, with their namespaces, made at the first prefixed attribute. */
  attributePrefixes: Map<string, string> | null;
}

const WHITESPACE = /^[ \t\r\n]*$/;
/** Whitespace outside the root element, as bytes: ASCII, so any decoder gives it back as it is. */
const asciiDecoder = new TextDecoder();

/** The namespace a prefix stands for on this start tag (its own name or an attribute), if any. */
function usedPrefix(element: OpenElement, prefix: string): string | undefined {
  return prefix === element.prefix ? element.ns : (element.attributePrefixes?.get(prefix) ?? undefined);
}

export class XmlWriter {
  static {
    claimOf = (writer, name) => writer.claim(name);
  }

  private readonly scope: NamespaceScope;
  private readonly stack: OpenElement[] = [];
  private rootWritten = false;
  /** The message's length once it has ended (its core then serves other writers). */
  private finalLength: number | undefined;
  /**
   * Resolves when `end()` has handed every byte to the output; rejects with the failure if the
   * writer faults first (like WritableStream's `closed`). Stream adapters follow the writer by it.
   */
  readonly closed: Promise<void>;

  /** Writes what precedes the root element at once: MIME framing, the XML declaration. */
  constructor(
    private readonly channel: RingChannel,
    private readonly text: XmlTextOutput,
    private readonly options: ResolvedOptions,
    private readonly encoding: Encoding,
    private readonly discipline: CallDiscipline,
  ) {
    this.scope = new NamespaceScope(options.maxNamespaces);
    this.closed = discipline.closed;
    this.encoding.begin();
    if (this.options.writeDeclaration) this.text.markup('<?xml version="1.0" encoding="utf-8"?>');
  }

  /** The value for an HTTP Content-Type header (with MTOM, the multipart/related header). */
  get contentType(): string {
    return this.encoding.contentType;
  }

  /** WS_XML_WRITER_PROPERTY_BYTES_WRITTEN: bytes the writer has produced so far. */
  get bytesWritten(): number {
    return this.finalLength ?? this.channel.core.bytesCommitted;
  }

  /** Bytes handed to the output callback so far. */
  get bytesFlushed(): number {
    return this.channel.bytesDelivered;
  }

  /**
   * The exact length of the whole message, known once the root element is closed and every MTOM
   * part still to come has a known size (writeBytes content, or pushBytes/pullBytes with
   * `size`); otherwise undefined. It is what a `Content-Length` header needs.
   */
  expectedLength(): number | undefined {
    this.discipline.checkNotFaulted();
    if (this.finalLength !== undefined) return this.finalLength;
    if (!this.rootWritten || this.stack.length > 0) return undefined;
    return this.encoding.expectedLength(this.channel.core.bytesCommitted);
  }

  /** Whether the core runs its wasm SIMD build. */
  get simd(): boolean {
    return this.channel.core.simd;
  }

  /** Whether a failure has faulted the writer: every later call throws WS_E_OBJECT_FAULTED. */
  get isFaulted(): boolean {
    return this.discipline.isFaulted;
  }

  /**
   * Aborts when the writer faults or is aborted, with the failure as its reason: attachment
   * sources listen to it to release what they hold.
   */
  get signal(): AbortSignal {
    return this.discipline.signal;
  }

  /** Open elements. */
  get depth(): number {
    return this.stack.length;
  }

  /** WsWriteStartElement. `prefix` undefined lets the writer choose one (an in-scope one if any). */
  writeStartElement(prefix: string | undefined | null, localName: string, ns: string): void {
    this.run('writeStartElement', () => {
      const p = prefix ?? undefined;
      checkPrefix(p, 'prefix');
      checkNCName(localName, 'localName');
      checkNamespaceUri(ns);
      if (localName === 'xmlns' && !p) {
        // Namespaces in XML 1.0 §3 reserves the name: DOM parsers refuse an element named xmlns.
        throw invalidArg('an element cannot be named xmlns without a prefix (Namespaces in XML 1.0 §3)');
      }
      if (ns === XOP_NS && localName === 'Include') {
        throw invalidOperation('xop:Include elements are written by the writer (pushBytes, writeBytes), never by the caller');
      }
      const parent = this.top();
      if (parent) this.startContent(parent, 'mixed');
      else if (this.rootWritten) throw invalidOperation('a document has exactly one root element');
      if (this.stack.length >= this.options.maxDepth) {
        throw quotaExceeded(`more than maxDepth (${this.options.maxDepth}) open elements`);
      }
      this.scope.push();
      const chosen = this.scope.prefixForElement(p, ns);
      const element: OpenElement = {
        qname: chosen ? `${chosen}:${localName}` : localName,
        prefix: chosen,
        ns,
        startTagOpen: true,
        content: 'none',
        attributeKeys: null,
        attributePrefixes: null,
        xmimeContentType: undefined,
      };
      this.stack.push(element);
      this.rootWritten = true;
      this.text.markup(`<${element.qname}`);
      if (this.scope.lookupNamespace(chosen) !== ns) this.declare(chosen, ns);
    });
  }

  /** WsWriteAttribute + WsWriteValue for a string value. Only while the start tag is open. */
  writeAttribute(prefix: string | undefined | null, localName: string, ns: string, value: string): void {
    this.run('writeAttribute', () => {
      const element = this.openStartTag('writeAttribute');
      const p = prefix ?? undefined;
      checkPrefix(p, 'prefix');
      checkNCName(localName, 'localName');
      checkNamespaceUri(ns);
      if (typeof value !== 'string') throw invalidArg('an attribute value must be a string');
      if (p === 'xmlns' || ns === XMLNS_NS || (ns === '' && !p && localName === 'xmlns')) {
        throw invalidArg('namespace declarations are written with writeXmlnsAttribute');
      }
      const keys = (element.attributeKeys ??= new Set());
      if (keys.size >= this.options.maxAttributes) {
        throw quotaExceeded(`more than maxAttributes (${this.options.maxAttributes}) attributes on one element`);
      }
      const key = `${ns}\u0000${localName}`;
      if (keys.has(key)) throw invalidOperation(`duplicate attribute {${ns}}${localName}`);
      const chosen = this.scope.prefixForAttribute(p, ns, usedPrefix(element, p ?? ''));
      keys.add(key);
      if (chosen) (element.attributePrefixes ??= new Map()).set(chosen, ns);
      if (chosen && this.scope.lookupNamespace(chosen) !== ns) this.declare(chosen, ns);
      if (XMIME_NAMESPACES.has(ns) && localName === 'contentType') element.xmimeContentType = value;
      this.writeQuotedValue(` ${chosen ? `${chosen}:` : ''}${localName}="`, value);
    });
  }

  /** WsWriteXmlnsAttribute: declares `prefix` ('' or undefined: the default namespace) on the open start tag. */
  writeXmlnsAttribute(prefix: string | undefined | null, ns: string): void {
    this.run('writeXmlnsAttribute', () => {
      const element = this.openStartTag('writeXmlnsAttribute');
      const p = prefix ?? '';
      checkPrefix(p, 'prefix');
      checkNamespaceUri(ns);
      checkBinding(p, ns);
      const here = this.scope.declaredHere(p);
      if (here === ns) return;
      if (here !== undefined) throw invalidOperation(`the prefix "${p}" is already declared on this element`);
      const used = usedPrefix(element, p);
      if (used !== undefined && used !== ns) {
        throw invalidOperation(`the prefix "${p}" is already used on this element for ${used}`);
      }
      this.declare(p, ns);
    });
  }

  /**
   * WsWriteChars: character data, escaped. Outside the root element only whitespace is allowed,
   * and it is written as it is (a character reference is not allowed there, XML 1.0 §2.8).
   */
  writeChars(chars: string): void {
    this.run('writeChars', () => {
      if (typeof chars !== 'string') throw invalidArg('writeChars takes a string');
      if (this.inContent('writeChars', WHITESPACE.test(chars))) this.text.text(chars, false);
      else this.text.markup(chars);
    });
  }

  /**
   * A comment, as WsWriteNode writes a WS_XML_COMMENT_NODE: `<!--text-->`. XML 1.0 §2.5: the text
   * may not contain `--` nor end with `-`. Inside an element it is content like text, so it
   * cannot stand beside binary content.
   */
  writeComment(text: string): void {
    this.run('writeComment', () => {
      if (typeof text !== 'string') throw invalidArg('writeComment takes a string');
      if (text.includes('--') || text.endsWith('-')) {
        throw invalidArg('a comment cannot contain "--" or end with "-" (XML 1.0 §2.5)');
      }
      this.inContent('writeComment', true);
      this.text.markup('<!--');
      this.text.verbatim(text);
      this.text.markup('-->');
    });
  }

  /** WsWriteCharsUtf8: UTF-8 character data, checked and escaped (outside the root: whitespace as it is). */
  writeCharsUtf8(bytes: Uint8Array): void {
    this.run('writeCharsUtf8', () => {
      if (!(bytes instanceof Uint8Array)) throw invalidArg('writeCharsUtf8 takes a Uint8Array');
      const whitespace = bytes.every((b) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d);
      if (this.inContent('writeCharsUtf8', whitespace)) this.text.textUtf8(bytes, false);
      else this.text.markup(asciiDecoder.decode(bytes));
    });
  }

  /** WsWriteBytes: binary content of the current element (base64 inline, or an MTOM part). */
  writeBytes(bytes: Uint8Array): void {
    this.run('writeBytes', () => {
      if (!(bytes instanceof Uint8Array)) throw invalidArg('writeBytes takes a Uint8Array');
      const element = this.contentElement('writeBytes');
      this.startContent(element, 'bytes');
      this.encoding.writeBytes(bytes, element);
    });
  }

  /**
   * WsPushBytes: the callback writes the element's binary content through a sink. With the text
   * encoding it runs at once (a promise is returned if it returns one); with MTOM the
   * xop:Include is written now and the callback runs when its part is emitted.
   */
  pushBytes(callback: PushBytesCallback, options?: BinaryOptions): void | Promise<void> {
    return this.claim('pushBytes').push(callback, options);
  }

  /** WsPullBytes: the writer lends views for the callback to fill; it returns the count, 0 at the end. */
  pullBytes(callback: PullBytesCallback, options?: BinaryOptions): void | Promise<void> {
    return this.claim('pullBytes').pull(callback, options);
  }

  /** WsWriteEndElement: `/>` if the start tag is still open, else the end tag. */
  writeEndElement(): void {
    this.run('writeEndElement', () => this.endElement());
  }

  /**
   * WsFlushWriter: hands buffered bytes to the output if at least `minSize` are buffered. With
   * MTOM and the root element closed, deferred parts are emitted too (the root part then ends:
   * nothing more can be written after the root element).
   */
  async flush(minSize = 0): Promise<void> {
    await this.discipline.callAsync('flush', async () => {
      if (this.stack.length === 0 && this.rootWritten) await this.encoding.emitParts();
      if (this.channel.core.used >= minSize) await this.channel.drain();
      this.encoding.checkBoundary();
    });
  }

  /**
   * Ends the document: closes the elements still open (as XmlWriter.Close does in .NET), emits
   * MTOM parts and the close delimiter, and delivers everything. Without an output callback it
   * resolves with the whole message. Once its last byte is handed to the output the message is
   * done: abort() no longer affects it, and end() resolves when the output has taken it.
   */
  async end(): Promise<Uint8Array | undefined> {
    return this.discipline.callAsync('end', async () => {
      if (!this.rootWritten) throw invalidOperation('end() before the root element: a document needs one');
      while (this.stack.length > 0) this.endElement();
      await this.encoding.finish();
      let message: Uint8Array | undefined;
      if (this.channel.hasOutput) {
        await this.channel.drain(() => this.discipline.handOver());
      } else {
        message = this.channel.takeMessage();
        this.discipline.handOver();
      }
      this.discipline.end();
      this.finalLength = this.channel.core.bytesCommitted;
      this.channel.core.recycle();
      return message;
    });
  }

  /**
   * Stops the writer: it is faulted with WS_E_OPERATION_ABORTED and writes no close delimiter.
   * Once end() has handed the last byte to the output the message is done, and abort() does nothing.
   */
  abort(reason?: unknown): void {
    this.discipline.abort(operationAborted('the writer was aborted', reason));
  }

  /** A synchronous call under the call discipline; the boundary is checked in what it wrote. */
  private run<T>(name: string, operation: () => T): T {
    return this.discipline.call(name, operation, this.checkBoundary);
  }

  private readonly checkBoundary = () => this.encoding.checkBoundary();

  /**
   * Claims the current element's binary content (XOP §3: its sole content) at once, so that the
   * writer knows it is owed; the producer comes with `push` or `pull`, now or later.
   */
  private claim(name: string): BinaryClaim {
    const element = this.run(name, () => {
      const open = this.contentElement(name);
      this.startContent(open, 'sealed');
      return open;
    });
    const owed = this.discipline.owe(name);
    return {
      push: (callback, options) =>
        owed.pay(() => {
          if (typeof callback !== 'function') throw invalidArg(`${name} takes a callback`);
          return this.encoding.pushBytes(callback, resolveBinaryOptions(options), element);
        }),
      pull: (callback, options) =>
        owed.pay(() => {
          if (typeof callback !== 'function') throw invalidArg(`${name} takes a callback`);
          return this.encoding.pullBytes(callback, resolveBinaryOptions(options), element);
        }),
      default: (error) => owed.default(error),
    };
  }

  // Elements and content.

  private top(): OpenElement | undefined {
    return this.stack[this.stack.length - 1];
  }

  private openStartTag(what: string): OpenElement {
    const element = this.top();
    if (!element?.startTagOpen) throw invalidOperation(`${what} is allowed only right after writeStartElement`);
    return element;
  }

  private contentElement(what: string): OpenElement {
    const element = this.top();
    if (!element) throw invalidOperation(`${what} needs an open element`);
    return element;
  }

  /** Closes the start tag before content, enforcing that binary content stands alone. */
  private startContent(element: OpenElement, kind: Exclude<Content, 'none'>): void {
    const mixing =
      element.content === 'sealed' ||
      (element.content === 'bytes' && kind !== 'bytes') ||
      (kind !== 'mixed' && element.content === 'mixed') ||
      (kind === 'sealed' && element.content !== 'none');
    if (mixing) throw invalidOperation('binary content must be the only content of its element (XOP §3)');
    if (element.startTagOpen) {
      element.startTagOpen = false;
      this.text.markup('>');
    }
    element.content = kind;
  }

  /**
   * Where character data or a comment goes: true inside an element (the start tag closed first),
   * false outside the root element, where only whitespace and comments may stand — and only while
   * the encoding still writes the document (MTOM: before the first part).
   */
  private inContent(name: string, allowedOutside: boolean): boolean {
    const element = this.top();
    if (element) {
      this.startContent(element, 'mixed');
      return true;
    }
    if (!allowedOutside) throw invalidOperation('character data outside the root element');
    if (!this.encoding.documentOpen) {
      throw invalidOperation(
        `${name} after the root part has ended (a flush() emitted the parts): it would land in a part`,
      );
    }
    return false;
  }

  private endElement(): void {
    const element = this.top();
    if (!element) throw invalidOperation('writeEndElement without an open element');
    if (element.content === 'bytes') this.encoding.endBytes(element);
    this.text.markup(element.startTagOpen ? '/>' : `</${element.qname}>`);
    this.stack.pop();
    this.scope.pop();
  }

  // Namespaces (Namespaces in XML 1.0 §3, §6).

  private declare(prefix: string, ns: string): void {
    this.scope.declare(prefix, ns);
    this.writeQuotedValue(prefix ? ` xmlns:${prefix}="` : ' xmlns="', ns);
  }

  /** Writes `head`, the escaped value and the closing quote. */
  private writeQuotedValue(head: string, value: string): void {
    if (isPlain(value, true)) {
      this.text.markup(`${head}${value}"`);
      return;
    }
    this.text.markup(head);
    this.text.text(value, true);
    this.text.markup('"');
  }
}

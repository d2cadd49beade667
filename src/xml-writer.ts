/**
 * The XML writer (WS_XML_WRITER): elements, attributes, namespaces and content, written
 * synchronously into the ring. It knows no encoding: binary content goes to the Encoding.
 */
import type { BinaryElement, BinaryOptions, Encoding } from './encodings/encoding.js';
import { XMIME_NAMESPACES, XOP_NS } from './encodings/mtom.js';
import {
  XmlWriterError,
  invalidArg,
  invalidOperation,
  operationAborted,
  quotaExceeded,
} from './errors.js';
import { NamespaceScope, XMLNS_NS, checkBinding, checkNCName, checkNamespaceUri, checkPrefix } from './names.js';
import type { ResolvedOptions } from './options.js';
import type { RingChannel } from './ring.js';
import type { PullBytesCallback, PushBytesCallback, SinkOwner } from './sink.js';
import { isPlain, type XmlTextOutput } from './xml-text.js';

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

/** The namespace a prefix stands for on this start tag (its own name or an attribute), if any. */
function usedPrefix(element: OpenElement, prefix: string): string | undefined {
  return prefix === element.prefix ? element.ns : (element.attributePrefixes?.get(prefix) ?? undefined);
}

export class XmlWriter {
  private readonly scope: NamespaceScope;
  private readonly stack: OpenElement[] = [];
  private rootWritten = false;
  private ended = false;
  /** The message's length once it has ended (its core then serves other writers). */
  private finalLength: number | undefined;
  private busy = false;
  private fault: unknown = undefined;
  private faulted = false;
  private readonly encoding: Encoding;
  private readonly faults = new AbortController();
  private settleClosed!: (error?: unknown) => void;
  /**
   * Resolves when `end()` has handed every byte to the output; rejects with the failure if the
   * writer faults first (like WritableStream's `closed`). Stream adapters follow the writer by it.
   */
  readonly closed: Promise<void> = new Promise((resolve, reject) => {
    this.settleClosed = (error) => (error === undefined ? resolve() : reject(error));
  });

  constructor(
    private readonly channel: RingChannel,
    private readonly text: XmlTextOutput,
    private readonly options: ResolvedOptions,
    createEncoding: (owner: SinkOwner) => Encoding,
  ) {
    this.scope = new NamespaceScope(options.maxNamespaces);
    // Observed or not, a fault reaches callers through the failing call itself.
    this.closed.catch(() => {});
    this.encoding = createEncoding({ check: () => this.checkNotFaulted(), fail: (error) => this.fail(error) });
  }

  /** Writes what precedes the root element: MIME framing, the XML declaration. */
  begin(): void {
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
    this.checkNotFaulted();
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
    return this.faulted;
  }

  /**
   * Aborts when the writer faults or is aborted, with the failure as its reason: attachment
   * sources listen to it to release what they hold.
   */
  get signal(): AbortSignal {
    return this.faults.signal;
  }

  /** Open elements. */
  get depth(): number {
    return this.stack.length;
  }

  /** WsWriteStartElement. `prefix` undefined lets the writer choose one (an in-scope one if any). */
  writeStartElement(prefix: string | undefined | null, localName: string, ns: string): void {
    this.run(() => {
      const p = prefix ?? undefined;
      checkPrefix(p, 'prefix');
      checkNCName(localName, 'localName');
      checkNamespaceUri(ns);
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
    this.run(() => {
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
    this.run(() => {
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

  /** WsWriteChars: character data, escaped. Outside the root element only whitespace is allowed. */
  writeChars(chars: string): void {
    this.run(() => {
      if (typeof chars !== 'string') throw invalidArg('writeChars takes a string');
      this.startCharacters(WHITESPACE.test(chars));
      this.text.text(chars, false);
    });
  }

  /**
   * A comment, as WsWriteNode writes a WS_XML_COMMENT_NODE: `<!--text-->`. XML 1.0 §2.5: the text
   * may not contain `--` nor end with `-`. Inside an element it is content like text, so it
   * cannot stand beside binary content.
   */
  writeComment(text: string): void {
    this.run(() => {
      if (typeof text !== 'string') throw invalidArg('writeComment takes a string');
      if (text.includes('--') || text.endsWith('-')) {
        throw invalidArg('a comment cannot contain "--" or end with "-" (XML 1.0 §2.5)');
      }
      const element = this.top();
      if (element) this.startContent(element, 'mixed');
      this.text.markup('<!--');
      this.text.verbatim(text);
      this.text.markup('-->');
    });
  }

  /** WsWriteCharsUtf8: UTF-8 character data, checked and escaped. */
  writeCharsUtf8(bytes: Uint8Array): void {
    this.run(() => {
      if (!(bytes instanceof Uint8Array)) throw invalidArg('writeCharsUtf8 takes a Uint8Array');
      this.startCharacters(bytes.every((b) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d));
      this.text.textUtf8(bytes, false);
    });
  }

  /** WsWriteBytes: binary content of the current element (base64 inline, or an MTOM part). */
  writeBytes(bytes: Uint8Array): void {
    this.run(() => {
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
  pushBytes(callback: PushBytesCallback, options: BinaryOptions = {}): void | Promise<void> {
    return this.runMaybeAsync(() => {
      if (typeof callback !== 'function') throw invalidArg('pushBytes takes a callback');
      const element = this.contentElement('pushBytes');
      this.startContent(element, 'sealed');
      return this.encoding.pushBytes(callback, { ...options }, element);
    });
  }

  /** WsPullBytes: the writer lends views for the callback to fill; it returns the count, 0 at the end. */
  pullBytes(callback: PullBytesCallback, options: BinaryOptions = {}): void | Promise<void> {
    return this.runMaybeAsync(() => {
      if (typeof callback !== 'function') throw invalidArg('pullBytes takes a callback');
      const element = this.contentElement('pullBytes');
      this.startContent(element, 'sealed');
      return this.encoding.pullBytes(callback, { ...options }, element);
    });
  }

  /** WsWriteEndElement: `/>` if the start tag is still open, else the end tag. */
  writeEndElement(): void {
    this.run(() => this.endElement());
  }

  /**
   * WsFlushWriter: hands buffered bytes to the output if at least `minSize` are buffered. With
   * MTOM and the root element closed, deferred parts are emitted too.
   */
  async flush(minSize = 0): Promise<void> {
    await this.runAsync(async () => {
      if (this.stack.length === 0 && this.rootWritten) await this.encoding.emitParts();
      if (this.channel.core.used >= minSize) await this.channel.drain();
    });
  }

  /**
   * Ends the document: closes the elements still open (as XmlWriter.Close does in .NET), emits
   * MTOM parts and the close delimiter, and delivers everything. Without an output callback it
   * resolves with the whole message.
   */
  async end(): Promise<Uint8Array | undefined> {
    return this.runAsync(async () => {
      if (!this.rootWritten) throw invalidOperation('end() before the root element: a document needs one');
      while (this.stack.length > 0) this.endElement();
      await this.encoding.finish();
      const message = this.channel.hasOutput ? undefined : this.channel.takeMessage();
      if (message === undefined) await this.channel.drain();
      this.checkNotFaulted();
      this.ended = true;
      this.finalLength = this.channel.core.bytesCommitted;
      this.channel.core.recycle();
      this.settleClosed();
      return message;
    });
  }

  /** Stops the writer: it is faulted with WS_E_OPERATION_ABORTED and writes no close delimiter. */
  abort(reason?: unknown): void {
    if (this.ended) return;
    this.fail(operationAborted('the writer was aborted', reason));
  }

  // State.

  private checkNotFaulted(): void {
    if (this.faulted) {
      const cause = this.fault;
      const why = cause instanceof Error ? `: ${cause.message}` : '';
      throw new XmlWriterError('WS_E_OBJECT_FAULTED', `the writer is faulted by an earlier failure${why}`, { cause });
    }
  }

  private checkUsable(): void {
    this.checkNotFaulted();
    if (this.busy) throw invalidOperation('a call was made before the previous asynchronous call settled');
    if (this.ended) throw invalidOperation('the writer has ended');
  }

  /** Faults the writer (once): every later call throws WS_E_OBJECT_FAULTED. */
  private fail(error: unknown): void {
    if (this.faulted) return;
    this.faulted = true;
    this.fault = error;
    this.channel.stop();
    this.faults.abort(error);
    this.settleClosed(error);
  }

  private run<T>(operation: () => T): T {
    try {
      this.checkUsable();
      const result = operation();
      this.encoding.checkBoundary();
      return result;
    } catch (error) {
      this.fail(error);
      throw error;
    }
  }

  private async runAsync<T>(operation: () => Promise<T>): Promise<T> {
    this.run(() => {});
    this.busy = true;
    try {
      const result = await this.whileHealthy(operation());
      if (this.faulted) throw this.fault;
      // After end() the core serves other writers; end() checked the boundary itself.
      if (!this.ended) this.encoding.checkBoundary();
      return result;
    } catch (error) {
      throw this.failedInFlight(error);
    } finally {
      this.busy = false;
    }
  }

  private runMaybeAsync(operation: () => Promise<void> | undefined): void | Promise<void> {
    const wait = this.run(operation);
    if (!wait) return undefined;
    this.busy = true;
    return this.whileHealthy(wait).then(
      () => {
        this.busy = false;
        if (this.faulted) throw this.failedInFlight(this.fault);
        this.run(() => {});
      },
      (error: unknown) => {
        this.busy = false;
        throw this.failedInFlight(error);
      },
    );
  }

  /**
   * Settles as `pending` does, or rejects as soon as the writer faults: an aborted call returns
   * at once even if the output callback it waits on never settles.
   */
  private whileHealthy<T>(pending: Promise<T>): Promise<T> {
    pending.catch(() => {});
    return Promise.race([pending, this.closed.then(() => pending)]);
  }

  /**
   * Faults the writer. An operation in flight when something else faulted the writer (abort(),
   * the signal, a stream consumer leaving) reports that failure, not the WS_E_OBJECT_FAULTED its
   * next step met.
   */
  private failedInFlight(error: unknown): unknown {
    this.fail(error);
    const metFault = error instanceof XmlWriterError && error.code === 'WS_E_OBJECT_FAULTED';
    return metFault ? this.fault : error;
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

  private startCharacters(whitespaceOnly: boolean): void {
    const element = this.top();
    if (element) this.startContent(element, 'mixed');
    else if (!whitespaceOnly) throw invalidOperation('character data outside the root element');
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

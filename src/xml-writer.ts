/**
 * The XML writer (WS_XML_WRITER): elements, attributes, namespaces and content, written
 * synchronously into the ring. It knows no encoding: binary content goes to the Encoding. When a
 * call may be made is the CallDiscipline's business (src/call-discipline.ts).
 */
import { CallDiscipline } from './call-discipline.js';
import { declarationMarkup } from './declaration-markup.js';
import { ATTRIBUTE_VALUE_END, EMPTY_ELEMENT_END, type EncodedMarkup, START_TAG_END } from './encoded-markup.js';
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
  checkQualifiedName,
  type MarkupName,
  qualifiedName,
} from './names.js';
import {
  resolveBinaryOptions,
  resolveWriteBytesOptions,
  type BinaryOptions,
  type ResolvedOptions,
  type WriteBytesOptions,
} from './options.js';
import type { RingChannel } from './ring.js';
import type { PullBytesCallback, PushBytesCallback } from './sink.js';
import type { XmlTextOutput } from './xml-text.js';
import { lexicalForm, type XsdValue } from './xsd-values.js';

/** A qualified name as a value (xsi:type, fault codes): its prefix is found or declared by the writer. */
export interface QualifiedName {
  /** Default: a prefix already bound to `ns`, else a generated one declared on the open start tag. */
  prefix?: string;
  localName: string;
  ns: string;
}

/** What writeValue writes (WsWriteValue), and a typed attribute value. */
export type XmlValue = XsdValue | Uint8Array | QualifiedName;
import { Core } from './wasm.js';

/** What one message is written through; reset() makes them anew over the writer's core. */
export interface MessageParts {
  channel: RingChannel;
  text: XmlTextOutput;
  encoding: Encoding;
  discipline: CallDiscipline;
}

/** Makes the parts of a new message over a core (createXmlWriter's, with the writer's options). */
export type StartMessage = (core: Core) => MessageParts;

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
  name: MarkupName;
  prefix: string;
  ns: string;
  startTagOpen: boolean;
  content: Content;
  /** Its attributes' namespaces and local names, in pairs, made at the first attribute. */
  attributeNames: string[] | null;
  /** Prefixes its attributes use, with their namespaces, made at the first prefixed attribute. */
  attributePrefixes: Map<string, string> | null;
}

const WHITESPACE = /^[ \t\r\n]*$/;
/** Whitespace outside the root element, as bytes: ASCII, so any decoder gives it back as it is. */
const asciiDecoder = new TextDecoder();

function isQualifiedName(value: unknown): value is QualifiedName {
  return typeof value === 'object' && value !== null && !(value instanceof Date) && !(value instanceof Uint8Array);
}

/** What precedes the root element, written once per message: MIME framing, the XML declaration. */
function writePrelude(encoding: Encoding, text: XmlTextOutput, options: ResolvedOptions): void {
  encoding.begin();
  if (options.writeDeclaration) text.markup('<?xml version="1.0" encoding="utf-8"?>');
}

/** The namespace a prefix stands for on this start tag (its own name or an attribute), if any. */
function usedPrefix(element: OpenElement, prefix: string): string | undefined {
  return prefix === element.prefix ? element.ns : (element.attributePrefixes?.get(prefix) ?? undefined);
}

export class XmlWriter {
  static {
    claimOf = (writer, name) => writer.claim(name);
  }

  private scope: NamespaceScope;
  private stack: OpenElement[] = [];
  private rootWritten = false;
  /** The message's length once it has ended (its core then serves other writers). */
  private finalLength: number | undefined;
  private channel: RingChannel;
  private text: XmlTextOutput;
  private encoding: Encoding;
  private discipline: CallDiscipline;

  /** Writes what precedes the root element at once: MIME framing, the XML declaration. */
  constructor(
    private readonly options: ResolvedOptions,
    first: MessageParts,
    private readonly startMessage: StartMessage,
  ) {
    this.scope = new NamespaceScope(options.maxNamespaces);
    ({ channel: this.channel, text: this.text, encoding: this.encoding, discipline: this.discipline } = first);
    writePrelude(this.encoding, this.text, options);
  }

  /**
   * Resolves when `end()` has handed every byte to the output; rejects with the failure if the
   * writer faults first (like WritableStream's `closed`). Stream adapters follow the writer by it.
   * Each message has its own: after reset() this is the new message's.
   */
  get closed(): Promise<void> {
    return this.discipline.closed;
  }

  /**
   * Starts the next message on this writer, as WsSetOutput does for a writer already set up: the
   * instance, its options and what it has cached stay, the message is new (with MTOM a new
   * boundary and new Content-IDs, unless the options fix them). Allowed once end() has resolved,
   * or before anything of the current message was written or reached the output.
   *
   * Returns a promise only when the writer's WebAssembly instance went to another writer after
   * end() and a new one has to be instantiated; until it settles every other call is refused.
   *
   * @throws XmlWriterError `WS_E_INVALID_OPERATION` in the middle of a message (it would be lost;
   *   end() it or abort() it first) or while a call is in flight, `WS_E_OBJECT_FAULTED` once the
   *   writer is faulted, `WS_E_OPERATION_ABORTED` when the writer's `signal` option is aborted.
   */
  reset(): void | Promise<void> {
    this.discipline.checkNotFaulted();
    const ended = this.discipline.hasEnded;
    if (!ended) {
      this.run('reset', () => {
        if (this.rootWritten || this.channel.bytesDelivered > 0) {
          throw invalidOperation('reset() in the middle of a message would lose it: end() or abort() it first');
        }
      });
    }
    const { signal } = this.options;
    if (signal?.aborted) throw operationAborted('the signal was aborted before the next message', signal.reason);
    const core = this.channel.core;
    if (!ended) {
      this.discipline.abandon();
      core.clear();
      return this.startOver(core);
    }
    const reclaimed = Core.reclaim(core);
    if (reclaimed) return this.startOver(reclaimed);
    // Its instance serves another writer now: hold this one until a new instance is ready. A call
    // made meanwhile is refused and faults the writer, which then stays faulted.
    const pending = new CallDiscipline();
    this.discipline = pending;
    const waiting = Core.create(core.options).then((created) => {
      if (pending.isFaulted) {
        created.recycle();
        pending.checkNotFaulted();
      }
      this.startOver(created);
    });
    return pending.callAsync('reset', () => waiting);
  }

  /** A new message over `core`: fresh state for everything that belongs to one message. */
  private startOver(core: Core): void {
    ({
      channel: this.channel,
      text: this.text,
      encoding: this.encoding,
      discipline: this.discipline,
    } = this.startMessage(core));
    this.scope = new NamespaceScope(this.options.maxNamespaces);
    this.stack = [];
    this.rootWritten = false;
    this.finalLength = undefined;
    writePrelude(this.encoding, this.text, this.options);
    // An abort while a new instance was being made had no message to reach.
    const { signal } = this.options;
    if (signal?.aborted) this.abort(signal.reason);
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
    const discipline = this.discipline;
    discipline.enter('writeStartElement');
    try {
      this.startElement(prefix, localName, ns);
      this.encoding.checkBoundary();
    } catch (error) {
      throw discipline.thrown(error);
    }
    discipline.leave();
  }

  /**
   * WsWriteAttribute + WsWriteValue. Only while the start tag is open. A value other than a
   * string is written in its XML Schema lexical form: boolean, number (`INF`, `-INF`, `NaN`),
   * bigint, Date (xsd:dateTime, UTC), Uint8Array (base64), QualifiedName (its prefix declared on
   * this start tag when none is in scope).
   */
  writeAttribute(prefix: string | undefined | null, localName: string, ns: string, value: string | XmlValue): void {
    const discipline = this.discipline;
    discipline.enter('writeAttribute');
    try {
      this.attribute(prefix, localName, ns, value);
      this.encoding.checkBoundary();
    } catch (error) {
      throw discipline.thrown(error);
    }
    discipline.leave();
  }

  /**
   * WsGetPrefixFromNamespace: a prefix bound to `ns` where the writer is (on the open start tag
   * or its ancestors), innermost first; '' when that is the default namespace; undefined if none.
   */
  lookupPrefix(ns: string): string | undefined {
    this.discipline.checkNotFaulted();
    if (typeof ns !== 'string') throw invalidArg('lookupPrefix takes a namespace URI');
    return this.scope.lookupPrefix(ns, true);
  }

  /** The namespace `prefix` ('' for the default) is bound to where the writer is, or undefined. */
  lookupNamespace(prefix: string): string | undefined {
    this.discipline.checkNotFaulted();
    if (typeof prefix !== 'string') throw invalidArg('lookupNamespace takes a prefix');
    return this.scope.lookupNamespace(prefix);
  }

  /**
   * WsWriteQualifiedName: `prefix:localName` as character data. With no prefix, one bound to
   * `ns` is used; a namespace not in scope is declared on the start tag if it is still open
   * (WS_E_INVALID_OPERATION once content has begun).
   */
  writeQualifiedName(prefix: string | undefined | null, localName: string, ns: string): void {
    this.run('writeQualifiedName', () => {
      const element = this.contentElement('writeQualifiedName');
      const text = this.qualifiedNameText({ prefix: prefix ?? undefined, localName, ns }, element);
      this.startContent(element, 'mixed');
      this.text.markup(text);
    });
  }

  /**
   * WsWriteValue: a typed value as the current element's content — a string as writeChars, a
   * Uint8Array as writeBytes, a QualifiedName as writeQualifiedName, any other in its XML Schema
   * lexical form (see writeAttribute).
   */
  writeValue(value: XmlValue): void {
    if (typeof value === 'string') {
      this.writeChars(value);
      return;
    }
    if (value instanceof Uint8Array) {
      this.writeBytes(value);
      return;
    }
    if (isQualifiedName(value)) {
      this.writeQualifiedName(value.prefix, value.localName, value.ns);
      return;
    }
    this.run('writeValue', () => {
      const text = lexicalForm(value);
      this.startContent(this.contentElement('writeValue'), 'mixed');
      this.text.text(text, false);
    });
  }

  /**
   * WsWriteStartCData + WsWriteChars + WsWriteEndCData: `<![CDATA[text]]>`. A `]]>` in the text
   * ends one section and starts the next between `]]` and `>` (XML 1.0 §2.7: a section cannot
   * hold it). Element content only.
   */
  writeCData(text: string): void {
    this.run('writeCData', () => {
      if (typeof text !== 'string') throw invalidArg('writeCData takes a string');
      const element = this.contentElement('writeCData');
      this.startContent(element, 'mixed');
      this.text.markup('<![CDATA[');
      this.text.verbatim(text.replaceAll(']]>', ']]]]><![CDATA[>'));
      this.text.markup(']]>');
    });
  }

  /**
   * A processing instruction, as WsWriteNode writes a WS_XML_PROCESSING_INSTRUCTION_NODE:
   * `<?target data?>`. XML 1.0 §2.6: the target is a name other than `xml` in any case (an NCName,
   * Namespaces in XML 1.0 §7) and the data cannot hold `?>`. Like a comment, it may stand outside
   * the root element, and inside one it is content that cannot stand beside binary content.
   */
  writeProcessingInstruction(target: string, data = ''): void {
    this.run('writeProcessingInstruction', () => {
      checkNCName(target, 'target');
      if (target.toLowerCase() === 'xml') throw invalidArg('the target "xml" is reserved (XML 1.0 §2.6)');
      if (typeof data !== 'string') throw invalidArg('processing instruction data is a string');
      if (data.includes('?>')) throw invalidArg('processing instruction data cannot contain "?>" (XML 1.0 §2.6)');
      this.inContent('writeProcessingInstruction', true);
      this.text.markup(`<?${target}`);
      if (data !== '') {
        this.text.markup(' ');
        this.text.verbatim(data);
      }
      this.text.markup('?>');
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
    const discipline = this.discipline;
    discipline.enter('writeChars');
    try {
      this.chars(chars);
      this.encoding.checkBoundary();
    } catch (error) {
      throw discipline.thrown(error);
    }
    discipline.leave();
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

  /**
   * WsWriteBytes: binary content of the current element (base64 inline, or an MTOM part). Its
   * `options` (Content-ID, file name, …; on the element's first writeBytes) apply when the content
   * becomes a part; inline content has no part, so they are only checked.
   */
  writeBytes(bytes: Uint8Array, options?: WriteBytesOptions): void {
    this.run('writeBytes', () => {
      if (!(bytes instanceof Uint8Array)) throw invalidArg('writeBytes takes a Uint8Array');
      const element = this.contentElement('writeBytes');
      if (options !== undefined) {
        if (element.content === 'bytes') {
          throw invalidOperation("writeBytes options go with the element's first writeBytes");
        }
        element.bytesOptions = resolveWriteBytesOptions(options);
      }
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
    const discipline = this.discipline;
    discipline.enter('writeEndElement');
    try {
      this.endElement();
      this.encoding.checkBoundary();
    } catch (error) {
      throw discipline.thrown(error);
    }
    discipline.leave();
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
  end(): Promise<Uint8Array | undefined> {
    return this.discipline.callAsync('end', () => {
      if (!this.rootWritten) throw invalidOperation('end() before the root element: a document needs one');
      while (this.stack.length > 0) this.endElement();
      // Buffered: when the length is known now, the parts still to come go straight into the message.
      const expected = this.encoding.expectedLength(this.channel.core.bytesCommitted);
      if (expected !== undefined) this.channel.expectLength(expected);
      // Synchronous when nothing is left to wait for: no part producer, no asynchronous output.
      const finishing = this.encoding.finish();
      return finishing ? finishing.then(() => this.deliverMessage()) : this.deliverMessage();
    });
  }

  /** end(), once the encoding has finished: hands everything to the output, or takes the message. */
  private deliverMessage(): Uint8Array | undefined | Promise<Uint8Array | undefined> {
    if (!this.channel.hasOutput) {
      const message = this.channel.takeMessage();
      this.discipline.handOver();
      return this.closeMessage(message);
    }
    return this.channel.drain(() => this.discipline.handOver()).then(() => this.closeMessage(undefined));
  }

  /** The message is delivered: the writer has ended and its core serves other writers. */
  private closeMessage(message: Uint8Array | undefined): Uint8Array | undefined {
    this.discipline.end();
    this.finalLength = this.channel.core.bytesCommitted;
    this.channel.core.recycle();
    return message;
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

  private startElement(prefix: string | undefined | null, localName: string, ns: string): void {
    const p = prefix ?? undefined;
    const known = checkQualifiedName(p, localName);
    checkNamespaceUri(ns);
    if (localName === 'xmlns' && !p) {
      // Namespaces in XML 1.0 §3 reserves the name: DOM parsers refuse an element named xmlns.
      throw invalidArg('an element cannot be named xmlns without a prefix (Namespaces in XML 1.0 §3)');
    }
    if (ns === XOP_NS && localName === 'Include') {
      throw invalidOperation(
        'xop:Include elements are written by the writer (pushBytes, writeBytes), never by the caller',
      );
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
      name: known !== undefined && chosen === p ? known : qualifiedName(chosen, localName),
      prefix: chosen,
      ns,
      startTagOpen: true,
      content: 'none',
      attributeNames: null,
      attributePrefixes: null,
      xmimeContentType: undefined,
      bytesOptions: undefined,
    };
    this.stack.push(element);
    this.rootWritten = true;
    this.text.encodedMarkup(element.name.startTag);
    if (this.scope.lookupNamespace(chosen) !== ns) this.declare(chosen, ns);
  }

  private attribute(prefix: string | undefined | null, localName: string, ns: string, value: string | XmlValue): void {
    const element = this.openStartTag('writeAttribute');
    const p = prefix ?? undefined;
    const known = checkQualifiedName(p, localName);
    checkNamespaceUri(ns);
    if (p === 'xmlns' || ns === XMLNS_NS || (ns === '' && !p && localName === 'xmlns')) {
      throw invalidArg('namespace declarations are written with writeXmlnsAttribute');
    }
    // Pairs searched in place: an element has few attributes, and no key string is made per call.
    element.attributeNames ??= [];
    const names = element.attributeNames;
    if (names.length >= 2 * this.options.maxAttributes) {
      throw quotaExceeded(`more than maxAttributes (${this.options.maxAttributes}) attributes on one element`);
    }
    for (let i = 0; i < names.length; i += 2) {
      if (names[i + 1] === localName && names[i] === ns)
        throw invalidOperation(`duplicate attribute {${ns}}${localName}`);
    }
    const chosen = this.scope.prefixForAttribute(p, ns, usedPrefix(element, p ?? ''));
    names.push(ns, localName);
    if (chosen) {
      element.attributePrefixes ??= new Map();
      element.attributePrefixes.set(chosen, ns);
    }
    if (chosen && this.scope.lookupNamespace(chosen) !== ns) this.declare(chosen, ns);
    const head = (known !== undefined && chosen === p ? known : qualifiedName(chosen, localName)).attributeHead;
    if (typeof value !== 'string') {
      this.writeTypedAttribute(element, head, value);
      return;
    }
    if (XMIME_NAMESPACES.has(ns) && localName === 'contentType') element.xmimeContentType = value;
    this.writeQuotedValue(head, value);
  }

  private chars(chars: string): void {
    if (typeof chars !== 'string') throw invalidArg('writeChars takes a string');
    // Only outside the root element does it matter whether the text is whitespace.
    if (this.inContent('writeChars', this.stack.length === 0 && WHITESPACE.test(chars))) this.text.text(chars, false);
    else this.text.markup(chars);
  }

  private top(): OpenElement | undefined {
    // Never index -1: an out-of-bounds read leaves the engine's fast path.
    const depth = this.stack.length;
    return depth > 0 ? this.stack[depth - 1] : undefined;
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
      this.text.encodedMarkup(START_TAG_END);
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
    this.text.encodedMarkup(element.startTagOpen ? EMPTY_ELEMENT_END : element.name.endTag);
    this.stack.pop();
    this.scope.pop();
  }

  // Typed values.

  /** An attribute value other than a string, after `head` (` name="`). */
  private writeTypedAttribute(element: OpenElement, head: EncodedMarkup, value: XmlValue): void {
    if (value instanceof Uint8Array) {
      this.text.encodedMarkup(head);
      this.text.base64(value);
      this.text.base64End();
      this.text.encodedMarkup(ATTRIBUTE_VALUE_END);
      return;
    }
    // A QualifiedName's prefix may need declaring, which goes before this attribute.
    const text = isQualifiedName(value) ? this.qualifiedNameText(value, element) : lexicalForm(value);
    this.writeQuotedValue(head, text);
  }

  /**
   * `prefix:localName` for a QName value (XML Schema Part 2 §3.2.18): the prefix given or one in
   * scope for `ns`; one not in scope is declared on `element`'s start tag while it is open.
   */
  private qualifiedNameText(name: QualifiedName, element: OpenElement): string {
    if (typeof name !== 'object' || name === null) throw invalidArg('a qualified name is { prefix?, localName, ns }');
    const { localName, ns } = name;
    const prefix = name.prefix ?? undefined;
    checkPrefix(prefix, 'prefix');
    checkNCName(localName, 'localName');
    checkNamespaceUri(ns);
    let chosen = prefix ?? this.scope.lookupPrefix(ns, true);
    if (chosen === undefined || this.scope.lookupNamespace(chosen) !== ns) {
      if (ns === '' || chosen === '') {
        // An unprefixed QName takes the default namespace, which the element's own name may use.
        throw invalidOperation(
          `the default namespace is not ${JSON.stringify(ns)} here, so ${localName} cannot be written unprefixed`,
        );
      }
      if (!element.startTagOpen) {
        throw invalidOperation(`the namespace ${ns} is not in scope; write the name while the start tag is open`);
      }
      chosen ??= this.scope.generatePrefix();
      checkBinding(chosen, ns);
      const used = usedPrefix(element, chosen);
      if (this.scope.declaredHere(chosen) !== undefined || (used !== undefined && used !== ns)) {
        throw invalidOperation(`the prefix "${chosen}" is already bound to another namespace on this element`);
      }
      this.declare(chosen, ns);
    }
    return chosen ? `${chosen}:${localName}` : localName;
  }

  // Namespaces (Namespaces in XML 1.0 §3, §6).

  private declare(prefix: string, ns: string): void {
    this.scope.declare(prefix, ns);
    const declaration = declarationMarkup(prefix, ns);
    if (declaration !== undefined) {
      this.text.encodedMarkup(declaration);
      return;
    }
    const name = prefix ? qualifiedName('xmlns', prefix) : qualifiedName('', 'xmlns');
    this.writeQuotedValue(name.attributeHead, ns);
  }

  /** Writes `head`, the escaped value and the closing quote. */
  private writeQuotedValue(head: EncodedMarkup, value: string): void {
    this.text.encodedMarkup(head);
    this.text.text(value, true);
    this.text.encodedMarkup(ATTRIBUTE_VALUE_END);
  }
}

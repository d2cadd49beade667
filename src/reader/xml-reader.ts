/**
 * The reader (WS_XML_READER with the MTOM encoding): nodes of the root part as it arrives
 * (WsReadNode), and the binary content of the current node (WsReadBytes) streamed from its MIME
 * part, or decoded from base64 text.
 *
 * Parts arrive after the root part, in message order. Reading a `bytes` node's content streams
 * its part from the input when it is the next one; a part that arrives before the element that
 * references it has been reached is held in memory (within maxMimePartsBufferSize), and one whose
 * element was passed without reading it is skipped. A part read in order is never held whole.
 */
import { ReaderCore, STAGING_SIZE } from '../wasm.js';
import { bareContentId, checkBoundary, parseMediaType, type MediaType } from './content-type.js';
import { concatBytes } from './concat-bytes.js';
import { readerInvalidFormat, readerInvalidOperation, readerQuotaExceeded, XmlReaderError } from './errors.js';
import type { ByteSource } from './input.js';
import { MimeStream } from './multipart.js';
import type { BytesNode, XmlNode } from './nodes.js';
import type { ResolvedLimits } from './options.js';
import type { PartHeaders } from './part-headers.js';
import { loadXmlParser, RootParser } from './root-parser.js';

/** How a part's content is turned back into bytes (RFC 2045 §6). */
type TransferDecoding = 'identity' | 'base64';

/** The part being streamed: the current bytes node's, read straight from the input. */
interface StreamingPart {
  node: BytesNode;
  decoding: TransferDecoding;
  ended: boolean;
}

/** What readBytes reads from: a held part, a streaming part, or base64 text. */
type ByteCursor =
  | { kind: 'held'; bytes: Uint8Array; at: number }
  | { kind: 'part'; part: StreamingPart }
  | { kind: 'text'; text: string; at: number; finished: boolean; failed?: XmlReaderError }
  | { kind: 'done' };

const IDENTITY_ENCODINGS = new Set(['binary', '8bit', '7bit']);
const XML_TYPES = /^(application\/(soap\+xml|xml|xop\+xml|[a-z0-9.+-]*\+xml)|text\/xml)$/;

export interface XmlReaderSetup {
  source: ByteSource;
  limits: ResolvedLimits;
  /** Undefined: decide from the body's first bytes. */
  contentType: string | undefined;
  /** Read as plain XML whatever the Content-Type. */
  text: boolean;
  signal?: AbortSignal;
  simd?: boolean;
  /** Hold parts no xop:Include refers to (for readMessage) instead of skipping them. */
  keepUnreferenced?: boolean;
}

/** A part held in memory: its decoded bytes and MIME headers by lower-case name. */
export interface HeldPart {
  bytes: Uint8Array;
  headers: PartHeaders;
}

export class XmlReader implements AsyncIterable<XmlNode>, AsyncIterator<XmlNode> {
  /** Parts no xop:Include refers to, by Content-ID, in message order (their bytes are skipped). */
  readonly unreferencedParts: string[] = [];
  private readonly queue: XmlNode[] = [];
  private parser: RootParser | undefined;
  private rootPartDone = false;
  private rootBytes = 0;
  private current: XmlNode | undefined;
  private cursor: ByteCursor = { kind: 'done' };
  /** Decoded bytes that did not fit the caller's view, served first next time. */
  private spill: Uint8Array | undefined;
  private streaming: StreamingPart | undefined;
  private readonly held = new Map<string, HeldPart>();
  private heldBytes = 0;
  /** Content-IDs of parts seen so far. */
  private readonly seenParts = new Set<string>();
  /** Content-IDs whose bytes node has been yielded. */
  private readonly passed = new Set<string>();
  private busy = false;
  private failure: unknown;
  private finished = false;
  private mime!: MimeStream;

  private constructor(
    private readonly core: ReaderCore,
    private readonly setup: XmlReaderSetup,
  ) {}

  static async create(setup: XmlReaderSetup): Promise<XmlReader> {
    // Room for a whole 64 KiB input chunk (a Node stream's) beside what stays behind, and for a header block.
    const windowSize = Math.max(256 * 1024, 2 ** Math.ceil(Math.log2(setup.limits.maxHeaderBytes + 8192)));
    const core = await ReaderCore.create({ windowSize, simd: setup.simd });
    const reader = new XmlReader(core, setup);
    reader.mime = new MimeStream(core, setup.source, setup.limits, setup.signal);
    setup.signal?.addEventListener('abort', reader.onAbort, { once: true });
    return reader;
  }

  private readonly onAbort = () => this.abort(this.setup.signal?.reason);

  /** The reader is done (ended or failed): the input is released, the signal no longer watched. */
  private stop(): void {
    this.mime.release();
    this.setup.signal?.removeEventListener('abort', this.onAbort);
  }

  /** Whether this reader runs the wasm SIMD core. */
  get simd(): boolean {
    return this.core.simd;
  }

  /** Whether a failure stopped the reader. */
  get isFaulted(): boolean {
    return this.failure !== undefined;
  }

  /** Input bytes read so far. */
  get bytesRead(): number {
    return this.mime.bytesRead;
  }

  /** The node last returned by `read()`, if any. */
  get currentNode(): XmlNode | undefined {
    return this.current;
  }

  [Symbol.asyncIterator](): AsyncIterator<XmlNode> {
    return this;
  }

  async next(): Promise<IteratorResult<XmlNode>> {
    const node = await this.read();
    return node === undefined ? { done: true, value: undefined } : { done: false, value: node };
  }

  /** Ends iteration early (a `break` in `for await`): releases the input. */
  async return(): Promise<IteratorResult<XmlNode>> {
    if (!this.finished && this.failure === undefined) {
      this.finished = true;
      this.stop();
    }
    return { done: true, value: undefined };
  }

  /**
   * WsReadNode: the next node, or undefined after the document and the rest of the message have
   * been read (every part accounted for, the close delimiter seen).
   */
  read(): Promise<XmlNode | undefined> {
    return this.call(async () => {
      if (this.finished) return undefined;
      await this.leaveCurrent();
      while (this.queue.length === 0 && !this.rootPartDone) await this.pumpRoot();
      const node = this.queue.shift();
      if (node === undefined) {
        await this.finishMessage();
        this.current = undefined;
        return undefined;
      }
      this.current = node;
      if (node.type === 'bytes') await this.enterBytes(node);
      else if (node.type === 'text' || node.type === 'cdata') {
        this.core.decodeReset();
        this.cursor = { kind: 'text', text: node.value, at: 0, finished: false };
      }
      return node;
    });
  }

  /**
   * WsReadBytes: fills `view` with the next decoded bytes of the current node's binary content
   * (a `bytes` node's part, or base64 in a `text` node); resolves with the count, 0 at the end.
   */
  readBytes(view: Uint8Array): Promise<number> {
    return this.call(async () => {
      if (!(view instanceof Uint8Array)) throw new XmlReaderError('E_INVALIDARG', 'readBytes needs a Uint8Array');
      const node = this.current;
      if (!node || (node.type !== 'bytes' && node.type !== 'text' && node.type !== 'cdata')) {
        throw readerInvalidOperation('readBytes needs a bytes or text node as the current node');
      }
      if (view.length === 0) return 0;
      if (this.spill) return this.serveSpill(this.spill, view);
      const cursor = this.cursor;
      switch (cursor.kind) {
        case 'done':
          return 0;
        case 'held': {
          const n = Math.min(view.length, cursor.bytes.length - cursor.at);
          view.set(cursor.bytes.subarray(cursor.at, cursor.at + n));
          cursor.at += n;
          if (n === 0) this.cursor = { kind: 'done' };
          return n;
        }
        case 'part':
          return this.readPart(cursor.part, view);
        case 'text':
          return this.readText(cursor, view);
      }
    });
  }

  /** The current node's binary content as a byte stream (readBytes underneath). */
  bytesStream(): ReadableStream<Uint8Array> {
    const node = this.current;
    return new ReadableStream({
      type: 'bytes',
      autoAllocateChunkSize: 64 * 1024,
      pull: async (controller) => {
        // biome-ignore lint/style/noNonNullAssertion: autoAllocateChunkSize gives every pull one (Streams §4.7.3)
        const request = controller.byobRequest!;
        if (this.current !== node) throw readerInvalidOperation('the reader moved past the node this stream reads');
        const n = await this.readBytes(request.view as Uint8Array);
        if (n === 0) {
          controller.close();
          request.respond(0);
        } else {
          request.respond(n);
        }
      },
    });
  }

  /** Stops the reader with WS_E_OPERATION_ABORTED and releases the input. */
  abort(reason?: unknown): void {
    if (this.failure !== undefined || this.finished) return;
    this.fail(new XmlReaderError('WS_E_OPERATION_ABORTED', 'the reader was aborted', { cause: reason }));
  }

  // Call discipline and faults.

  private async call<T>(body: () => Promise<T>): Promise<T> {
    if (this.failure !== undefined) {
      throw new XmlReaderError('WS_E_OBJECT_FAULTED', 'the reader failed earlier', { cause: this.failure });
    }
    if (this.busy) throw readerInvalidOperation('another reader call is still pending');
    this.busy = true;
    try {
      return await body();
    } catch (error) {
      // A failure recorded meanwhile (an abort) is the one to report.
      if (this.failure !== undefined) throw this.failure;
      this.fail(error);
      throw error;
    } finally {
      this.busy = false;
    }
  }

  private fail(error: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.mime.interrupt(error); // a pending read of the input gives up at once
    this.queue.length = 0;
    this.held.clear();
    this.stop();
  }

  // The root part.

  /** Starts the body: finds the MIME structure and the root part; or a plain XML body. */
  private async begin(): Promise<RootParser> {
    const { SaxesParser } = await loadXmlParser();
    let media: MediaType | undefined;
    const given = this.setup.contentType ?? this.setup.source.contentType;
    if (!this.setup.text) {
      media = given !== undefined ? parseMediaType(given) : await this.sniff();
      if (media?.type === 'multipart/related' && !media.parameters.has('boundary')) {
        // WCF's streamed transport puts the MIME header in the body (MIME-Version, Content-Type).
        media = await this.bodyMediaType(media);
      }
    }
    if (media === undefined || XML_TYPES.test(media.type)) {
      // Plain XML: what gSOAP sends when there is nothing to optimize, or the text encoding.
      this.parser = new RootParser(SaxesParser, this.setup.limits, (node) => this.queue.push(node), false);
      this.mime.beginSinglePart();
      return this.parser;
    }
    if (media.type.startsWith('multipart/') && media.type !== 'multipart/related') {
      throw readerInvalidFormat(`the message is ${media.type}; MTOM is multipart/related (XOP §4.1)`);
    }
    if (media.type !== 'multipart/related')
      throw readerInvalidFormat(`the message is ${media.type}, neither MTOM nor XML`);
    const type = media.parameters.get('type');
    if (type !== undefined && type.toLowerCase() !== 'application/xop+xml') {
      throw readerInvalidFormat(`the multipart type is "${type}", not application/xop+xml: not an XOP package`);
    }
    const boundary = media.parameters.get('boundary');
    if (boundary === undefined) throw readerInvalidFormat('the multipart Content-Type has no boundary');
    await this.mime.beginMultipart(checkBoundary(boundary));
    const headers = await this.mime.nextPart();
    if (!headers) throw readerInvalidFormat('the multipart body has no root part');
    this.checkRootPart(headers, media);
    this.parser = new RootParser(SaxesParser, this.setup.limits, (node) => this.queue.push(node), true);
    return this.parser;
  }

  /** Decides from the first bytes what a body without a Content-Type is. */
  private async sniff(): Promise<MediaType | undefined> {
    const head = await this.mime.peek(80);
    const text = new TextDecoder('latin1').decode(head);
    if (text.startsWith('--')) {
      const line = /^--([^\r\n]{1,70}?)[ \t]*\r\n/.exec(text);
      if (line) return { type: 'multipart/related', parameters: new Map([['boundary', line[1]]]) };
    }
    if (/^[!-9;-~]+:/.test(text)) return { type: 'multipart/related', parameters: new Map() };
    return undefined;
  }

  /** Reads the MIME header block at the start of the body and returns its Content-Type. */
  private async bodyMediaType(outer: MediaType): Promise<MediaType> {
    const head = await this.mime.peek(1);
    if (head.length === 0 || head[0] === 0x2d /* - */ || head[0] === 0x3c /* < */) {
      throw readerInvalidFormat('the multipart Content-Type has no boundary, and the body has no MIME header with one');
    }
    const headers = await this.mime.readHeaderBlock('message');
    const value = headers.get('content-type');
    if (value === undefined) throw readerInvalidFormat('the message header has no Content-Type');
    const inner = parseMediaType(value);
    if (inner.type !== outer.type)
      throw readerInvalidFormat(`the body says it is ${inner.type}, the Content-Type says ${outer.type}`);
    return inner;
  }

  /** The root part (XOP §4.1): the first part, `start` if given, application/xop+xml in UTF-8. */
  private checkRootPart(headers: PartHeaders, media: MediaType): void {
    const start = media.parameters.get('start');
    const id = headers.get('content-id');
    if (start !== undefined && (id === undefined || bareContentId(id) !== bareContentId(start))) {
      throw readerInvalidFormat(`the first part is not the root part the Content-Type names (start="${start}")`);
    }
    const type = headers.get('content-type');
    if (type === undefined)
      throw readerInvalidFormat('the root part has no Content-Type (XOP §4.1: application/xop+xml)');
    const rootType = parseMediaType(type);
    if (rootType.type !== 'application/xop+xml') {
      throw readerInvalidFormat(`the root part is ${rootType.type}, not application/xop+xml (XOP §4.1)`);
    }
    const charset = rootType.parameters.get('charset');
    if (charset !== undefined && !/^utf-?8$/i.test(charset))
      throw readerInvalidFormat(`the root part's charset ${charset} is not supported (UTF-8 only)`);
    this.transferDecoding(headers, 'the root part', false);
    if (id !== undefined) this.seenParts.add(bareContentId(id));
  }

  /** Reads the next span of the root part into the parser; ends it at its delimiter. */
  private async pumpRoot(): Promise<void> {
    const parser = this.parser ?? (await this.begin());
    const span = await this.mime.takeContent(Infinity);
    if (span === undefined) {
      parser.close();
      this.rootPartDone = true;
      return;
    }
    this.rootBytes += span.length;
    if (this.rootBytes > this.setup.limits.maxRootPartSize) {
      throw readerQuotaExceeded(
        `the root part is larger than maxRootPartSize (${this.setup.limits.maxRootPartSize} bytes)`,
      );
    }
    parser.write(this.core.window.subarray(span.offset, span.offset + span.length));
  }

  // Parts.

  private transferDecoding(headers: PartHeaders, what: string, allowBase64: boolean): TransferDecoding {
    const value = headers.get('content-transfer-encoding')?.toLowerCase();
    if (value === undefined || IDENTITY_ENCODINGS.has(value)) return 'identity';
    if (value === 'base64' && allowBase64) return 'base64';
    throw readerInvalidFormat(`${what} has Content-Transfer-Encoding ${value}, which this reader does not decode`);
  }

  /** Reads the next part's headers; undefined after the close delimiter. Checks what every part must be. */
  private async nextPart(): Promise<{ id: string; headers: PartHeaders } | undefined> {
    if (this.streaming && !this.streaming.ended) {
      await this.mime.skipContent();
      this.streaming.ended = true;
    }
    this.streaming = undefined;
    const headers = await this.mime.nextPart();
    if (!headers) return undefined;
    const rawId = headers.get('content-id');
    if (rawId === undefined) throw readerInvalidFormat(`MIME part ${this.mime.partCount} has no Content-ID`);
    const id = bareContentId(rawId);
    if (this.seenParts.has(id)) throw readerInvalidFormat(`two MIME parts have the Content-ID <${id}>`);
    this.seenParts.add(id);
    const type = headers.get('content-type');
    if (type !== undefined && parseMediaType(type).type.startsWith('multipart/')) {
      throw readerInvalidFormat(
        `MIME part <${id}> is itself ${parseMediaType(type).type}: nested multiparts are not XOP`,
      );
    }
    return { id, headers };
  }

  /** Makes the bytes node's part ready to read: held, or next in the input (holding or skipping parts before it). */
  private async enterBytes(node: BytesNode): Promise<void> {
    this.passed.add(node.contentId);
    while (!this.rootPartDone) await this.pumpRoot();
    const held = this.held.get(node.contentId);
    if (held) {
      this.held.delete(node.contentId);
      this.heldBytes -= held.bytes.length;
      describePart(node, held.headers, held.bytes.length);
      this.cursor = { kind: 'held', bytes: held.bytes, at: 0 };
      return;
    }
    for (;;) {
      const part = await this.nextPart();
      if (!part)
        throw readerInvalidFormat(`an xop:Include refers to cid:${node.contentId}, but the message has no such part`);
      const decoding = this.transferDecoding(part.headers, `MIME part <${part.id}>`, true);
      if (part.id === node.contentId) {
        describePart(node, part.headers, undefined);
        this.streaming = { node, decoding, ended: false };
        if (decoding === 'base64') this.core.decodeReset();
        this.cursor = { kind: 'part', part: this.streaming };
        return;
      }
      await this.holdOrSkip(part.id, part.headers, decoding);
    }
  }

  /** A part met before its element: held if its element is still ahead, else skipped (and counted if unreferenced). */
  private async holdOrSkip(id: string, headers: PartHeaders, decoding: TransferDecoding): Promise<void> {
    const referenced = this.parser?.includes.has(id) ?? false;
    if (!referenced) this.unreferencedParts.push(id);
    if (referenced ? this.passed.has(id) : !this.setup.keepUnreferenced) {
      await this.mime.skipContent();
      return;
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (decoding === 'base64') this.core.decodeReset();
    for (;;) {
      const bytes = await this.nextDecoded(decoding, `MIME part <${id}>`);
      if (bytes === undefined) break;
      size += bytes.length;
      if (this.heldBytes + size > this.setup.limits.maxMimePartsBufferSize) {
        throw readerQuotaExceeded(
          'parts that arrive before their elements exceed maxMimePartsBufferSize ' +
            `(${this.setup.limits.maxMimePartsBufferSize} bytes)`,
        );
      }
      chunks.push(bytes.slice());
    }
    const bytes = concatBytes(chunks, size);
    this.held.set(id, { bytes, headers });
    this.heldBytes += size;
  }

  /** A part no xop:Include refers to, held because the reader keeps them (readMessage). */
  unreferencedPart(contentId: string): HeldPart | undefined {
    return this.unreferencedParts.includes(contentId) ? this.held.get(contentId) : undefined;
  }

  /** The next decoded bytes of the current MIME part as a view of core memory; undefined at its end. */
  private async nextDecoded(decoding: TransferDecoding, what: string, max = Infinity): Promise<Uint8Array | undefined> {
    for (;;) {
      const span = await this.mime.takeContent(decoding === 'base64' ? Math.min(max, this.core.window.length) : max);
      if (span === undefined) {
        if (decoding !== 'base64') return undefined;
        const n = this.core.decodeFinish();
        if (n < 0) throw readerInvalidFormat(`${what} is base64 cut inside a quantum`);
        if (n === 0) return undefined;
        return this.core.output.subarray(0, n);
      }
      if (decoding === 'identity') return this.core.window.subarray(span.offset, span.offset + span.length);
      const n = this.core.decodeFromWindow(span.offset, span.length);
      if (n < 0) throw readerInvalidFormat(`${what} is not valid base64 (RFC 4648 §4)`);
      if (n > 0) return this.core.output.subarray(0, n);
    }
  }

  private async readPart(part: StreamingPart, view: Uint8Array): Promise<number> {
    if (part.ended) return 0;
    if (part.decoding === 'identity') {
      // The common case: content already in the window goes to the view with no further step.
      const span = this.mime.contentNow(view.length);
      if (span) {
        view.set(this.core.window.subarray(span.offset, span.offset + span.length));
        return span.length;
      }
    }
    const what = `MIME part <${part.node.contentId}>`;
    const bytes = await this.nextDecoded(
      part.decoding,
      what,
      part.decoding === 'base64' ? Math.ceil(view.length / 3) * 4 : view.length,
    );
    if (bytes === undefined) {
      part.ended = true;
      this.cursor = { kind: 'done' };
      return 0;
    }
    return this.deliver(bytes, view);
  }

  /**
   * Decodes the text a staging area at a time until `view` is full or the text ends. Text found
   * not to be base64 after some bytes went into `view` fails on the next call, so those bytes
   * are still delivered first, as when each call decoded one staging area.
   */
  private readText(cursor: Extract<ByteCursor, { kind: 'text' }>, view: Uint8Array): number {
    if (cursor.failed) throw cursor.failed;
    let filled = 0;
    for (;;) {
      if (cursor.at >= cursor.text.length) {
        if (filled > 0) return filled;
        if (cursor.finished) return 0;
        cursor.finished = true;
        const n = this.core.decodeFinish();
        if (n < 0) throw readerInvalidFormat('the text is base64 cut inside a quantum');
        if (n === 0) {
          this.cursor = { kind: 'done' };
          return 0;
        }
        return this.deliver(this.core.output.subarray(0, n), view);
      }
      // Base64 is ASCII, one byte per UTF-16 unit: a slice as long as the staging area fills it.
      // encodeInto stops before a character that does not fit (only text that is not base64 has
      // any), and `read` says how far it got.
      const room = view.length - filled;
      const take = Math.min(cursor.text.length - cursor.at, STAGING_SIZE, Math.ceil(room / 3) * 4 + 4);
      const { read, written } = textEncoder.encodeInto(
        cursor.text.slice(cursor.at, cursor.at + take),
        this.core.staging,
      );
      cursor.at += read;
      const n = this.core.decodeFromStaging(written);
      if (n < 0) {
        const error = readerInvalidFormat('the text is not base64 (RFC 4648 §4)');
        if (filled === 0) throw error;
        cursor.failed = error;
        return filled;
      }
      if (n > 0) {
        filled += this.deliver(this.core.output.subarray(0, n), filled === 0 ? view : view.subarray(filled));
        if (filled === view.length || this.spill) return filled;
      }
    }
  }

  /** Copies decoded bytes into the caller's view; what does not fit is kept for the next call. */
  private deliver(bytes: Uint8Array, view: Uint8Array): number {
    const n = Math.min(bytes.length, view.length);
    view.set(bytes.subarray(0, n));
    if (n < bytes.length) this.spill = bytes.slice(n);
    return n;
  }

  private serveSpill(spill: Uint8Array, view: Uint8Array): number {
    const n = Math.min(spill.length, view.length);
    view.set(spill.subarray(0, n));
    this.spill = n < spill.length ? spill.subarray(n) : undefined;
    return n;
  }

  /** Moving on from the current node: its unread binary content is skipped. */
  private async leaveCurrent(): Promise<void> {
    this.spill = undefined;
    this.cursor = { kind: 'done' };
    if (this.streaming && !this.streaming.ended) {
      await this.mime.skipContent();
      this.streaming.ended = true;
    }
  }

  /** After the document: the remaining parts are skipped and the close delimiter required. */
  private async finishMessage(): Promise<void> {
    if (this.finished) return;
    if (this.mime.multipart) {
      for (;;) {
        const part = await this.nextPart();
        if (!part) break;
        await this.holdOrSkip(
          part.id,
          part.headers,
          this.transferDecoding(part.headers, `MIME part <${part.id}>`, true),
        );
      }
      for (const id of this.parser?.includes.keys() ?? []) {
        if (!this.seenParts.has(id))
          throw readerInvalidFormat(`an xop:Include refers to cid:${id}, but the message has no such part`);
      }
    }
    this.finished = true;
    this.stop();
    // Ended cleanly: no call is pending and no view of the core's memory is held elsewhere.
    this.core.recycle();
  }
}

const textEncoder = new TextEncoder();

function describePart(node: BytesNode, headers: PartHeaders, size: number | undefined): void {
  node.contentType = headers.get('content-type') ?? 'application/octet-stream';
  node.headers = Object.fromEntries(headers);
  if (size !== undefined) node.size = size;
}

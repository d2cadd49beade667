/**
 * WS_XML_WRITER_MTOM_ENCODING: the document is the root part of a multipart/related package
 * (XOP 1.0, SOAP MTOM 1.0, RFC 2387) and streams out as it is written; binary content larger than
 * maxInlineByteCount, and every pushBytes / pullBytes, becomes its own MIME part after the root
 * part, in the order of the xop:Include elements that reference it.
 */
import type { CallDiscipline } from '../call-discipline.js';
import { invalidArg, invalidFormat, quotaExceeded } from '../errors.js';
import { checkMediaType, quote } from '../headers.js';
import { isThenable } from '../maybe-async.js';
import {
  MIN_RING_SIZE,
  type PartProgress,
  type ResolvedBinaryOptions,
  type ResolvedMtomEncoding,
  type ResolvedOptions,
} from '../options.js';
import { cidUrl, ContentIds, NO_PART_HEADERS, type ResolvedPartHeaders } from '../part-headers.js';
import type { RingChannel } from '../ring.js';
import {
  runProducer,
  runPull,
  writeAll,
  type BinaryTarget,
  type PullBytesCallback,
  type PushBytesCallback,
} from '../sink.js';
import { XOP_NS } from '../names.js';
import type { XmlTextOutput } from '../xml-text.js';
import { type HeldMark, HeldBytes } from './held-bytes.js';
import { DeclaredSize, type BinaryElement, type Encoding } from './encoding.js';

const DEFAULT_PART_TYPE = 'application/octet-stream';
/** A lent ring window is at least this large when the producer asks for that much. */
const MIN_WINDOW = 4096;
/** Parts' Content-Transfer-Encoding: their bytes go as they are (MTOM §3.2, XOP §3). */
const PART_TRANSFER_ENCODING = 'binary';

/** A part waiting for the root part to end, with what will produce its bytes. */
interface DeferredPart {
  id: string;
  contentType: string;
  /** Extra header lines (Content-Disposition, …), each ending in CRLF. */
  extraHeaders: string;
  /** Bytes of its delimiter and headers, as the core will write them. */
  headerLength: number;
  /** The byte count the caller declared (or that writeBytes held), if known. */
  size: number | undefined;
  produce(target: BinaryTarget): Promise<void> | undefined;
}

/** A MIME part's body in the ring: producers copy into, or fill in place, ring windows. */
class PartTarget implements BinaryTarget {
  /** The current part's bytes so far, against its declared size (enforced as they arrive). */
  size = new DeclaredSize(undefined);

  constructor(
    private readonly channel: RingChannel,
    private readonly afterCommit: () => void,
  ) {}

  /** Starts a new part. */
  begin(declaredSize: number | undefined): void {
    this.size = new DeclaredSize(declaredSize);
  }

  /** Ends the part: a declared size must have been met exactly. */
  end(): void {
    this.size.end();
  }

  write(bytes: Uint8Array): Promise<void> | undefined {
    for (let at = 0; at < bytes.length; ) {
      const window = this.channel.reserve(1, bytes.length - at, true);
      if (isThenable(window)) {
        return window.then((w) => {
          this.fill(w, bytes, at);
          return this.write(bytes.subarray(at + w.length));
        });
      }
      this.fill(window, bytes, at);
      at += window.length;
    }
    return undefined;
  }

  reserve(n: number): Uint8Array | Promise<Uint8Array> {
    return this.channel.reserve(Math.min(n, MIN_WINDOW), n, true);
  }

  commit(k: number): undefined {
    this.size.add(k);
    this.channel.core.commit(k);
    this.afterCommit();
    return undefined;
  }

  private fill(window: Uint8Array, bytes: Uint8Array, at: number): void {
    window.set(bytes.subarray(at, at + window.length));
    this.commit(window.length);
  }
}

export class MtomEncoding implements Encoding {
  readonly contentType: string;
  private readonly settings: ResolvedMtomEncoding;
  private readonly rootPartType: string;
  private readonly maxMimePartsBufferSize: number;
  private readonly onProgress: ((progress: PartProgress) => void) | undefined;
  private readonly target: PartTarget;
  private parts: DeferredPart[] = [];
  /** The part being emitted, if any (its bytes so far are in bytesWritten). */
  private emitting: DeferredPart | undefined;
  /** Whether the first part's headers are written: the root part has ended. */
  private rootPartEnded = false;
  /** Whether the close delimiter is written: the message is complete. */
  private closed = false;
  private partCount = 0;
  /** Every Content-ID in the message, the root part's first (RFC 2045 §7: they differ). */
  private readonly contentIds = new ContentIds();
  /** Content-ID of the part whose bytes are being written; undefined for the root part. */
  private currentPartId: string | undefined;
  /** writeBytes content of the current element, held until its end decides inline or part. */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** Where the current element's content starts among the held bytes. */
  private pendingMark: HeldMark | undefined;
  /** Copies of writeBytes content, for the current element and for parts not yet emitted. */
  private readonly held = new HeldBytes();
  /** writeBytes content held for parts not yet emitted (WS_XML_WRITER_PROPERTY_MAX_MIME_PARTS_BUFFER_SIZE). */
  private heldPartBytes = 0;

  /** `settings` are this message's (a writer's next message has its own boundary and IDs). */
  constructor(
    options: ResolvedOptions,
    settings: ResolvedMtomEncoding,
    private readonly channel: RingChannel,
    private readonly text: XmlTextOutput,
    private readonly discipline: CallDiscipline,
  ) {
    this.settings = settings;
    this.maxMimePartsBufferSize = options.maxMimePartsBufferSize;
    this.onProgress = options.onProgress;
    const action = settings.action === undefined ? undefined : quote(settings.action);
    const { actionPlacement } = settings;
    // XOP §4.1 / SOAP MTOM: the root part's type parameter equals start-info; the SOAP 1.2 action is
    // a parameter of application/soap+xml (RFC 3902), so it travels inside it unless placed on top.
    const inside = action !== undefined && actionPlacement !== 'top-level';
    const onTop = action !== undefined && actionPlacement !== 'start-info';
    const innerType = inside ? `${settings.startInfo}; action=${action}` : settings.startInfo;
    const quotedInnerType = quote(innerType);
    this.rootPartType = `application/xop+xml; charset=utf-8; type=${quotedInnerType}`;
    this.contentType =
      `multipart/related; type="application/xop+xml"; boundary=${quote(settings.boundary)}; ` +
      `start=${quote(`<${settings.startUri}>`)}; start-info=${quotedInnerType}` +
      (onTop ? `; action=${action}` : '');
    this.contentIds.add(settings.startUri);
    this.target = new PartTarget(channel, () => {
      this.checkBoundary();
      this.reportProgress();
    });
  }

  /** The MIME boundary. */
  get boundary(): string {
    return this.settings.boundary;
  }

  get documentOpen(): boolean {
    return !this.rootPartEnded;
  }

  begin(): void {
    const { core } = this.channel;
    const { startUri, rootTransferEncoding } = this.settings;
    core.setBoundary(this.boundary);
    if (this.settings.writeMimeHeader) {
      // The header names the boundary by design, so it is not scanned.
      core.setScanning(false);
      this.text.markup(`MIME-Version: 1.0\r\nContent-Type: ${this.contentType}\r\n\r\n`);
      core.setScanning(true);
    }
    this.channel.retry(() => core.writePartHeader(true, startUri, this.rootPartType, rootTransferEncoding), false);
  }

  writeBytes(bytes: Uint8Array): void {
    this.pendingBytes += bytes.length;
    if (
      this.pendingBytes > this.settings.maxInlineByteCount &&
      this.heldPartBytes + this.pendingBytes > this.maxMimePartsBufferSize
    ) {
      throw quotaExceeded(
        `writeBytes content held for MIME parts exceeds maxMimePartsBufferSize (${this.maxMimePartsBufferSize} bytes); use pushBytes for large content`,
      );
    }
    this.pendingMark ??= this.held.mark();
    this.held.hold(bytes, this.pending);
  }

  endBytes(element: BinaryElement): void {
    const options = element.bytesOptions;
    const chunks = this.pending;
    const length = this.pendingBytes;
    const mark = this.pendingMark;
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingMark = undefined;
    if (length <= this.settings.maxInlineByteCount) {
      for (const chunk of chunks) this.text.base64(chunk);
      this.text.base64End();
      // Written inline now: what held it serves the next content.
      if (mark) this.held.rewind(mark);
      return;
    }
    this.defer(this.partType(element, options?.contentType), options?.headers, length, (target) => {
      this.heldPartBytes -= length;
      return writeAll(target, chunks, 0);
    });
    this.heldPartBytes += length;
  }

  pushBytes(callback: PushBytesCallback, options: ResolvedBinaryOptions, element: BinaryElement): undefined {
    this.defer(this.partType(element, options.contentType), options.headers, options.size, (target) =>
      runProducer(this.discipline, target, callback),
    );
    return undefined;
  }

  pullBytes(callback: PullBytesCallback, options: ResolvedBinaryOptions, element: BinaryElement): undefined {
    this.defer(this.partType(element, options.contentType), options.headers, options.size, (target) =>
      runPull(this.discipline, target, callback, options.chunkSize),
    );
    return undefined;
  }

  checkBoundary(): void {
    const at = this.channel.core.collisionOffset();
    if (at >= 0) {
      throw invalidFormat(
        `the MIME boundary occurs inside ${this.currentPartId ? `part <${this.currentPartId}>` : 'the root part'} at byte ${at}; ` +
          'choose another boundary (RFC 2046 §5.1.1)',
      );
    }
  }

  /**
   * Emits the parts deferred so far, in reference order (the root part must be complete). A
   * promise only when the output or a producer made it wait.
   */
  emitParts(): Promise<void> | undefined {
    this.checkBoundary();
    while (this.parts.length > 0) {
      const part = this.parts[0];
      this.discipline.checkNotFaulted();
      // The part moves from waiting to emitting in the same step its headers are written, so
      // expectedLength() counts it exactly once at any moment.
      const headed = this.channel.retry(() => this.beginPart(part), true);
      if (headed) return headed.then(() => this.producePart(part));
      const produced = this.produce(part);
      if (produced) return produced.then(() => this.partProduced());
      this.endPart();
    }
    return undefined;
  }

  /** After the close delimiter the message is complete; a promise only if something made it wait. */
  finish(): Promise<void> | undefined {
    const emitted = this.emitParts();
    if (emitted) return emitted.then(() => this.close());
    return this.close();
  }

  /** Writes a part's delimiter and headers; false if the ring has no room for them yet. */
  private beginPart(part: DeferredPart): boolean {
    if (
      !this.channel.core.writePartHeader(false, part.id, part.contentType, PART_TRANSFER_ENCODING, part.extraHeaders)
    ) {
      return false;
    }
    this.rootPartEnded = true;
    this.parts.shift();
    this.emitting = part;
    this.target.begin(part.size);
    return true;
  }

  /** Runs the part's producer; a promise if it (or the output) is still at work. */
  private produce(part: DeferredPart): Promise<void> | undefined {
    this.currentPartId = part.id;
    return part.produce(this.target);
  }

  /** The part's headers are written: its bytes, then the parts after it. */
  private producePart(part: DeferredPart): Promise<void> | undefined {
    const produced = this.produce(part);
    if (produced) return produced.then(() => this.partProduced());
    return this.partProduced();
  }

  /** The part's producer is done: the part ends, then the parts after it. */
  private partProduced(): Promise<void> | undefined {
    this.endPart();
    return this.emitParts();
  }

  /** Ends the part being emitted: its declared size met, the boundary not in its bytes. */
  private endPart(): void {
    this.target.end();
    this.emitting = undefined;
    this.checkBoundary();
    this.reportProgress();
  }

  /** Every part is in the ring: the close delimiter. */
  private close(): Promise<void> | undefined {
    this.discipline.checkNotFaulted();
    // No held copy is read again.
    this.held.release();
    return this.channel.retry(() => (this.closed = this.channel.core.writeClose()), true);
  }

  /**
   * Writes the xop:Include for a new part (XOP §3: the element's sole content) and queues the part.
   * Its Content-ID is the caller's (checked unique) or the next generated one not in use; the
   * href is its cid: URL (RFC 2392), `&` escaped for the attribute.
   */
  private defer(
    contentType: string,
    headers: ResolvedPartHeaders = NO_PART_HEADERS,
    size: number | undefined,
    produce: DeferredPart['produce'],
  ): void {
    const { core } = this.channel;
    const extraHeaders = headers.extraHeaders;
    let id = headers.contentId;
    if (id === undefined) {
      do id = `${++this.partCount}.${this.settings.partIdSuffix}`;
      while (this.contentIds.has(id));
    } else if (this.contentIds.has(id)) {
      this.contentIds.claim(id);
    }
    const headerLength = core.partHeaderLength(false, id, contentType, PART_TRANSFER_ENCODING, extraHeaders);
    // The headers go into the ring in one reservation, which the smallest ring must hold.
    if (headerLength > MIN_RING_SIZE) {
      throw invalidArg(`the part's headers would take ${headerLength} bytes; at most ${MIN_RING_SIZE} fit`);
    }
    this.contentIds.add(id);
    this.text.markup(`<xop:Include xmlns:xop="${XOP_NS}" href="${cidUrl(id).replace(/&/g, '&amp;')}"/>`);
    this.parts.push({ id, contentType, extraHeaders, headerLength, size, produce });
  }

  /**
   * The message's total length once the root part is complete, if every part still to come has a
   * known size: what has been written, the rest of the part being emitted, each later part's
   * delimiter, headers (as the core counts the bytes it writes for them) and bytes, and the close
   * delimiter (RFC 2046 §5.1.1).
   */
  expectedLength(bytesWritten: number): number | undefined {
    if (this.closed) return bytesWritten;
    const { core } = this.channel;
    let total = bytesWritten + core.closeLength();
    if (this.emitting) {
      if (this.emitting.size === undefined) return undefined;
      total += this.emitting.size - this.target.size.written;
    }
    for (const part of this.parts) {
      if (part.size === undefined) return undefined;
      total += part.headerLength + part.size;
    }
    return total;
  }

  private reportProgress(): void {
    const onProgress = this.onProgress;
    if (!onProgress) return;
    const progress: PartProgress = {
      contentId: this.currentPartId,
      partBytes: this.target.size.written,
      partSize: this.target.size.declared,
      bytesWritten: this.channel.core.bytesCommitted,
    };
    this.discipline.inCallback('progress', undefined, () => onProgress(progress));
  }

  private partType(element: BinaryElement, callerType: string | undefined): string {
    if (element.xmimeContentType !== undefined) return checkMediaType(element.xmimeContentType, 'xmime:contentType');
    return callerType ?? DEFAULT_PART_TYPE;
  }
}

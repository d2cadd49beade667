/**
 * WS_XML_WRITER_MTOM_ENCODING: the document is the root part of a multipart/related package
 * (XOP 1.0, SOAP MTOM 1.0, RFC 2387) and streams out as it is written; binary content larger than
 * maxInlineByteCount, and every pushBytes / pullBytes, becomes its own MIME part after the root
 * part, in the order of the xop:Include elements that reference it.
 */
import { invalidArg, invalidFormat, quotaExceeded } from '../errors.js';
import {
  checkBoundary,
  checkContentId,
  checkMediaType,
  checkParameterText,
  quote,
  randomBoundary,
  randomHex,
} from '../headers.js';
import type { MtomEncodingOptions } from '../options.js';
import { checkCount } from '../options.js';
import type { RingChannel } from '../ring.js';
import { isThenable } from '../ring.js';
import {
  ProducerSink,
  runPull,
  writeAll,
  type BinaryTarget,
  type PullBytesCallback,
  type PushBytesCallback,
  type SinkOwner,
} from '../sink.js';
import type { XmlTextOutput } from '../xml-text.js';
import { pullChunkSize, type BinaryElement, type BinaryOptions, type Encoding } from './encoding.js';

/** Progress of the part being emitted (MTOM), reported after each commit into it. */
export interface PartProgress {
  /** Content-ID of the part, without angle brackets. */
  contentId: string | undefined;
  /** Bytes of this part written so far. */
  partBytes: number;
  /** The part's declared size, if known. */
  partSize: number | undefined;
  /** Bytes of the whole message written so far. */
  bytesWritten: number;
}

function declaredSize(options: BinaryOptions): number | undefined {
  return options.size === undefined ? undefined : checkCount(options.size, 0, 'size', 0, Number.MAX_SAFE_INTEGER);
}

export const XOP_NS = 'http://www.w3.org/2004/08/xop/include';
/** The xmime namespaces whose contentType attribute names a part's Content-Type (wire-format doc §7). */
export const XMIME_NAMESPACES: ReadonlySet<string> = new Set([
  'http://www.w3.org/2005/05/xmlmime',
  'http://www.w3.org/2004/11/xmlmime',
  'http://www.w3.org/2004/06/xmlmime',
]);

const DEFAULT_PART_TYPE = 'application/octet-stream';
/** A lent ring window is at least this large when the producer asks for that much. */
const MIN_WINDOW = 4096;

/** A part waiting for the root part to end, with what will produce its bytes. */
interface DeferredPart {
  id: string;
  contentType: string;
  /** The byte count the caller declared (or that writeBytes held), if known. */
  size: number | undefined;
  produce(target: BinaryTarget): Promise<void> | undefined;
}

/** A MIME part's body in the ring: producers copy into, or fill in place, ring windows. */
class PartTarget implements BinaryTarget {
  /** Bytes of the current part so far. */
  partBytes = 0;
  /** The current part's declared size, enforced as its bytes arrive. */
  declaredSize: number | undefined;

  constructor(
    private readonly channel: RingChannel,
    private readonly afterCommit: () => void,
  ) {}

  /** Starts a new part. */
  begin(declaredSize: number | undefined): void {
    this.partBytes = 0;
    this.declaredSize = declaredSize;
  }

  /** Ends the part: a declared size must have been met exactly. */
  end(): void {
    if (this.declaredSize !== undefined && this.partBytes !== this.declaredSize) {
      throw invalidFormat(`a part declared ${this.declaredSize} bytes but its producer wrote ${this.partBytes}`);
    }
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
    if (this.declaredSize !== undefined && this.partBytes + k > this.declaredSize) {
      throw invalidFormat(`a part declared ${this.declaredSize} bytes but its producer wrote more`);
    }
    this.channel.core.commit(k);
    this.partBytes += k;
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
  readonly boundary: string;
  private readonly rootId: string;
  private readonly idSuffix: string;
  private readonly rootPartType: string;
  private readonly rootTransferEncoding: string;
  private readonly writeMimeHeader: boolean;
  private readonly maxInlineByteCount: number;
  private readonly nonce = randomHex(8);
  private readonly target: PartTarget;
  private parts: DeferredPart[] = [];
  /** The part being emitted, if any (its bytes so far are in bytesWritten). */
  private emitting: DeferredPart | undefined;
  /** Whether the close delimiter is written: the message is complete. */
  private closed = false;
  private partCount = 0;
  /** Content-ID of the part whose bytes are being written; undefined for the root part. */
  private currentPartId: string | undefined;
  /** writeBytes content of the current element, held until its end decides inline or part. */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** writeBytes content held for parts not yet emitted (WS_XML_WRITER_PROPERTY_MAX_MIME_PARTS_BUFFER_SIZE). */
  private heldPartBytes = 0;

  constructor(
    settings: Omit<MtomEncodingOptions, 'type'>,
    private readonly channel: RingChannel,
    private readonly text: XmlTextOutput,
    private readonly owner: SinkOwner,
    private readonly maxMimePartsBufferSize: number,
    private readonly onProgress: ((progress: PartProgress) => void) | undefined,
  ) {
    this.boundary = settings.boundary === undefined ? randomBoundary() : checkBoundary(settings.boundary);
    this.rootId =
      settings.startUri === undefined ? `root.${this.nonce}@mtom-stream` : checkContentId(settings.startUri, 'startUri');
    // Part IDs are `N.` + the start URI when the caller chose one, so that a caller who fixes
    // boundary and startUri gets byte-identical messages; otherwise `N.<nonce>@mtom-stream`.
    this.idSuffix = settings.startUri === undefined ? `${this.nonce}@mtom-stream` : this.rootId;
    const startInfo = checkMediaType(settings.startInfo ?? 'application/soap+xml', 'startInfo');
    if (/^application\/xop\+xml\b/i.test(startInfo)) throw invalidArg('startInfo is the type of the XML inside, never application/xop+xml');
    const action = settings.action === undefined ? undefined : quote(checkParameterText(settings.action, 'action'));
    // XOP §4.1 / SOAP MTOM: the root part's type parameter equals start-info; a SOAP 1.2 action travels inside it.
    const innerType = action === undefined ? startInfo : `${startInfo}; action=${action}`;
    this.rootPartType = `application/xop+xml; charset=utf-8; type=${quote(innerType)}`;
    this.contentType =
      `multipart/related; type="application/xop+xml"; boundary=${quote(this.boundary)}; ` +
      `start=${quote(`<${this.rootId}>`)}; start-info=${quote(innerType)}` +
      (action === undefined ? '' : `; action=${action}`);
    const transfer = settings.rootTransferEncoding ?? 'binary';
    if (transfer !== 'binary' && transfer !== '8bit') throw invalidArg("rootTransferEncoding is 'binary' or '8bit'");
    this.rootTransferEncoding = transfer;
    this.writeMimeHeader = settings.writeMimeHeader ?? false;
    this.maxInlineByteCount = checkCount(settings.maxInlineByteCount, 767, 'maxInlineByteCount');
    this.target = new PartTarget(channel, () => {
      this.checkBoundary();
      this.reportProgress();
    });
  }

  begin(): void {
    const { core } = this.channel;
    core.setBoundary(this.boundary);
    if (this.writeMimeHeader) {
      // The header names the boundary by design, so it is not scanned.
      core.setScanning(false);
      this.text.markup(`MIME-Version: 1.0\r\nContent-Type: ${this.contentType}\r\n\r\n`);
      core.setScanning(true);
    }
    this.channel.retry(() => core.writePartHeader(true, this.rootId, this.rootPartType, this.rootTransferEncoding), false);
  }

  writeBytes(bytes: Uint8Array): void {
    this.pendingBytes += bytes.length;
    if (this.pendingBytes > this.maxInlineByteCount && this.heldPartBytes + this.pendingBytes > this.maxMimePartsBufferSize) {
      throw quotaExceeded(
        `writeBytes content held for MIME parts exceeds maxMimePartsBufferSize (${this.maxMimePartsBufferSize} bytes); use pushBytes for large content`,
      );
    }
    this.pending.push(bytes.slice());
  }

  endBytes(element: BinaryElement): void {
    const chunks = this.pending;
    const length = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    if (length <= this.maxInlineByteCount) {
      for (const chunk of chunks) this.text.base64(chunk);
      this.text.base64End();
      return;
    }
    this.heldPartBytes += length;
    this.defer(this.partType(element, undefined), length, (target) => {
      this.heldPartBytes -= length;
      return writeAll(target, chunks, 0);
    });
  }

  pushBytes(callback: PushBytesCallback, options: BinaryOptions, element: BinaryElement): undefined {
    this.defer(this.partType(element, options.contentType), declaredSize(options), async (target) => {
      const sink = new ProducerSink(target, this.owner);
      try {
        await callback(sink);
        await sink.settled();
      } finally {
        sink.close();
      }
    });
    return undefined;
  }

  pullBytes(callback: PullBytesCallback, options: BinaryOptions, element: BinaryElement): undefined {
    const chunkSize = pullChunkSize(options);
    this.defer(this.partType(element, options.contentType), declaredSize(options), (target) =>
      runPull(target, callback, chunkSize),
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

  /** Emits the parts deferred so far, in reference order (the root part must be complete). */
  async emitParts(): Promise<void> {
    const { core } = this.channel;
    this.checkBoundary();
    while (this.parts.length > 0) {
      const part = this.parts[0];
      this.owner.check();
      // The part moves from waiting to emitting in the same step its headers are written, so
      // expectedLength() counts it exactly once at any moment.
      await this.channel.retry(() => {
        if (!core.writePartHeader(false, part.id, part.contentType, 'binary')) return false;
        this.parts.shift();
        this.emitting = part;
        this.target.begin(part.size);
        return true;
      }, true);
      this.currentPartId = part.id;
      await part.produce(this.target);
      this.target.end();
      this.emitting = undefined;
      this.checkBoundary();
      this.reportProgress();
    }
  }

  async finish(): Promise<void> {
    await this.emitParts();
    this.owner.check();
    await this.channel.retry(() => (this.closed = this.channel.core.writeClose()), true);
  }

  /** Writes the xop:Include for a new part (XOP §3: the element's sole content) and queues the part. */
  private defer(contentType: string, size: number | undefined, produce: DeferredPart['produce']): void {
    const id = `${++this.partCount}.${this.idSuffix}`;
    this.text.markup(`<xop:Include xmlns:xop="${XOP_NS}" href="cid:${id}"/>`);
    this.parts.push({ id, contentType, size, produce });
  }

  /**
   * The message's total length once the root part is complete, if every part still to come has a
   * known size: what has been written, the rest of the part being emitted, each later part's
   * delimiter, headers and bytes (RFC 2046 §5.1.1, as assembly/mime.ts writes them), and the
   * close delimiter.
   */
  expectedLength(bytesWritten: number): number | undefined {
    if (this.closed) return bytesWritten;
    let total = bytesWritten + `\r\n--${this.boundary}--\r\n`.length;
    if (this.emitting) {
      if (this.emitting.size === undefined) return undefined;
      total += this.emitting.size - this.target.partBytes;
    }
    for (const part of this.parts) {
      if (part.size === undefined) return undefined;
      const headers =
        `\r\n--${this.boundary}\r\nContent-ID: <${part.id}>\r\nContent-Type: ${part.contentType}\r\n` +
        'Content-Transfer-Encoding: binary\r\n\r\n';
      total += headers.length + part.size;
    }
    return total;
  }

  private reportProgress(): void {
    this.onProgress?.({
      contentId: this.currentPartId,
      partBytes: this.target.partBytes,
      partSize: this.target.declaredSize,
      bytesWritten: this.channel.core.bytesCommitted,
    });
  }

  private partType(element: BinaryElement, callerType: string | undefined): string {
    if (element.xmimeContentType !== undefined) return checkMediaType(element.xmimeContentType, 'xmime:contentType');
    return callerType === undefined ? DEFAULT_PART_TYPE : checkMediaType(callerType, 'contentType');
  }
}

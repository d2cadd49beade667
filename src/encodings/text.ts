/**
 * WS_XML_WRITER_TEXT_ENCODING (UTF-8): binary content is written inline as canonical base64
 * (RFC 4648 §4), and pushBytes / pullBytes callbacks run at once ("as if WsWriteBytes was
 * called", WsPushBytes). A declared `size` is enforced as with MTOM.
 */
import type { CallDiscipline } from '../call-discipline.js';
import { quote } from '../headers.js';
import type { ResolvedBinaryOptions, ResolvedTextEncoding } from '../options.js';
import type { RingChannel } from '../ring.js';
import { runProducer, runPull, type BinaryTarget, type PullBytesCallback, type PushBytesCallback } from '../sink.js';
import { ContentIds } from '../part-headers.js';
import type { XmlTextOutput } from '../xml-text.js';
import { DeclaredSize, type Encoding } from './encoding.js';

/**
 * Binary content as base64: written buffers go straight into ring windows; views a producer fills
 * are scratch, encoded into the ring on commit.
 */
class Base64Target implements BinaryTarget {
  constructor(
    private readonly text: XmlTextOutput,
    private readonly channel: RingChannel,
    private readonly size: DeclaredSize,
  ) {}

  write(bytes: Uint8Array): Promise<void> | undefined {
    this.size.add(bytes.length);
    return this.text.base64(bytes, true);
  }

  reserve(n: number): Uint8Array {
    const { scratch } = this.channel.core;
    return scratch.subarray(0, Math.min(n, scratch.length));
  }

  commit(k: number): Promise<void> | undefined {
    this.size.add(k);
    return this.text.base64Staged(k, true);
  }
}

export class TextEncoding implements Encoding {
  readonly documentOpen = true;
  /** Made at the first Content-ID: most messages have none. */
  private contentIds: ContentIds | undefined;

  constructor(
    private readonly settings: ResolvedTextEncoding,
    private readonly channel: RingChannel,
    private readonly text: XmlTextOutput,
    private readonly discipline: CallDiscipline,
  ) {}

  get contentType(): string {
    const { mediaType, action } = this.settings;
    return `${mediaType}; charset=utf-8${action === undefined ? '' : `; action=${quote(action)}`}`;
  }

  begin(): void {}

  writeBytes(bytes: Uint8Array): void {
    this.text.base64(bytes);
  }

  endBytes(): void {
    this.text.base64End();
  }

  pushBytes(callback: PushBytesCallback, options: ResolvedBinaryOptions): Promise<void> | undefined {
    this.claimContentId(options);
    const size = new DeclaredSize(options.size);
    const wait = runProducer(this.discipline, this.target(size), callback);
    if (wait) return wait.then(() => this.endValue(size, true));
    return this.endValue(size, false);
  }

  pullBytes(callback: PullBytesCallback, options: ResolvedBinaryOptions): Promise<void> | undefined {
    this.claimContentId(options);
    const size = new DeclaredSize(options.size);
    const wait = runPull(this.discipline, this.target(size), callback, options.chunkSize);
    if (wait) return wait.then(() => this.endValue(size, true));
    return this.endValue(size, false);
  }

  /** Binary content is written inline at once, so the document's bytes are all there is. */
  expectedLength(bytesWritten: number): number {
    return bytesWritten;
  }

  checkBoundary(): void {}

  async emitParts(): Promise<void> {}

  finish(): undefined {
    return undefined;
  }

  /**
   * Inline content has no part, so its Content-ID is never written; it is still held unique, so
   * that code which works with one encoding fails the same way with the other.
   */
  private claimContentId(options: ResolvedBinaryOptions): void {
    if (options.headers.contentId === undefined) return;
    this.contentIds ??= new ContentIds();
    this.contentIds.claim(options.headers.contentId);
  }

  private target(size: DeclaredSize): Base64Target {
    return new Base64Target(this.text, this.channel, size);
  }

  /** The producer is done: its size must match, then the padded final quantum. */
  private endValue(size: DeclaredSize, mayWait: boolean): Promise<void> | undefined {
    size.end();
    return this.text.base64End(mayWait);
  }
}

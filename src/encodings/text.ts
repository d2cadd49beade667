/**
 * WS_XML_WRITER_TEXT_ENCODING (UTF-8): binary content is written inline as canonical base64
 * (RFC 4648 §4), and pushBytes / pullBytes callbacks run at once ("as if WsWriteBytes was
 * called", WsPushBytes).
 */
import { checkMediaType, checkParameterText, quote } from '../headers.js';
import type { TextEncodingOptions } from '../options.js';
import type { RingChannel } from '../ring.js';
import { isThenable } from '../ring.js';
import { ProducerSink, runPull, type BinaryTarget, type SinkOwner, type PullBytesCallback, type PushBytesCallback } from '../sink.js';
import type { XmlTextOutput } from '../xml-text.js';
import { pullChunkSize, type BinaryOptions, type Encoding } from './encoding.js';

/** Binary content as base64 through scratch: producers fill scratch, the core encodes into the ring. */
class Base64Target implements BinaryTarget {
  constructor(private readonly text: XmlTextOutput, private readonly scratch: Uint8Array) {}

  write(bytes: Uint8Array): Promise<void> | undefined {
    return this.text.base64(bytes, true);
  }

  reserve(n: number): Uint8Array {
    return this.scratch.subarray(0, Math.min(n, this.scratch.length));
  }

  commit(k: number): Promise<void> | undefined {
    return this.text.base64Staged(k, true);
  }
}

export class TextEncoding implements Encoding {
  readonly contentType: string;
  private readonly target: Base64Target;

  constructor(
    settings: Omit<TextEncodingOptions, 'type'>,
    channel: RingChannel,
    private readonly text: XmlTextOutput,
    private readonly owner: SinkOwner,
  ) {
    const mediaType = checkMediaType(settings.mediaType ?? 'application/soap+xml', 'mediaType');
    const action = settings.action === undefined ? '' : `; action=${quote(checkParameterText(settings.action, 'action'))}`;
    this.contentType = `${mediaType}; charset=utf-8${action}`;
    this.target = new Base64Target(text, channel.core.scratch);
  }

  begin(): void {}

  writeBytes(bytes: Uint8Array): void {
    this.text.base64(bytes);
  }

  endBytes(): void {
    this.text.base64End();
  }

  pushBytes(callback: PushBytesCallback): Promise<void> | undefined {
    const sink = new ProducerSink(this.target, this.owner);
    let result: void | PromiseLike<void>;
    try {
      result = callback(sink);
    } catch (error) {
      this.fail(sink, error);
    }
    const wait = isThenable(result) ? Promise.resolve(result).then(() => sink.settled()) : sink.settled();
    if (wait) return wait.then(() => this.endValue(sink), (error) => this.fail(sink, error));
    this.endValue(sink, false);
    return undefined;
  }

  pullBytes(callback: PullBytesCallback, options: BinaryOptions): Promise<void> | undefined {
    const wait = runPull(this.target, callback, pullChunkSize(options));
    if (wait) return wait.then(() => this.text.base64End(true));
    return this.text.base64End();
  }

  /** Binary content is written inline at once, so the document's bytes are all there is. */
  expectedLength(bytesWritten: number): number {
    return bytesWritten;
  }

  checkBoundary(): void {}

  async emitParts(): Promise<void> {}

  async finish(): Promise<void> {}

  private endValue(sink: ProducerSink, mayWait = true): Promise<void> | undefined {
    sink.close();
    return this.text.base64End(mayWait);
  }

  private fail(sink: ProducerSink, error: unknown): never {
    sink.close();
    throw error;
  }
}

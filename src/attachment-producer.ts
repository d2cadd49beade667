/**
 * What writeAttachment turns every source into (buffers, Blobs, streams, files): the part's size
 * when known, and how to write and release it. Sources, the Blob upload and the Node sources share it.
 */
import type { BytesSink } from './sink.js';

/** A source made ready for pushBytes: its size, how to write it, how to let it go. */
export interface AttachmentProducer {
  size: number | undefined;
  contentType?: string;
  /** Writes every byte through the sink; throws `signal.reason` once `signal` is aborted. */
  produce(sink: BytesSink, signal: AbortSignal): void | Promise<void>;
  /** Releases what the source holds; called at most once, when the writer fails or the producer throws. */
  release(reason: unknown): void;
}

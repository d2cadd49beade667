/**
 * A message collected as a Blob: copies of the bytes the writer produces (the XML, the MIME
 * framing, small parts) with the attachments' own Blob and File objects at their parts' places,
 * referenced and never read. The Blob's size is the message's exact length, and a browser sends
 * it from the files themselves, so nothing large is held twice.
 *
 * How a part's body comes from a Blob without reading it: the writer still emits the part
 * (headers, delimiters, its declared size in `expectedLength()`), but its producer fills the
 * ring with zero bytes instead of the Blob's. This output notes where that body starts
 * (`writer.bytesWritten` when the producer runs, just after the part's headers) and puts the
 * Blob there in place of the zeros. Zeros never contain the boundary; the Blob's own bytes are
 * not scanned for it (the default boundary is a random UUID, RFC 2046 §5.1.1).
 */
import { referenceBlobs } from './blob-references.js';
import { invalidOperation } from './errors.js';
import type { OutputCallback } from './ring.js';
import type { BytesSink } from './sink.js';
import type { AttachmentProducer } from './attachment-producer.js';
import type { XmlWriter } from './xml-writer.js';

/** A Blob standing for the message's bytes from `start` to `start + blob.size`. */
interface Reference {
  start: number;
  blob: Blob;
  placed: boolean;
}

/** The largest ring window asked for at once while standing in for a Blob's bytes. */
const FILL_CHUNK = 1 << 20;

export class BlobMessageOutput {
  private readonly parts: BlobPart[] = [];
  private readonly references: Reference[] = [];
  /** The next reference not yet passed. */
  private next = 0;
  /** Bytes of the message delivered to this output so far. */
  private delivered = 0;

  /** The writer's output callback (synchronous: every byte is taken at once). */
  readonly output: OutputCallback = (buffers) => {
    for (const bytes of buffers) this.take(bytes);
  };

  /** Makes `writeAttachment(writer, blob)` keep Blobs by reference in this message (MTOM writers). */
  follow(writer: XmlWriter): void {
    referenceBlobs(writer, (blob) => this.referenceProducer(writer, blob));
  }

  /** The whole message. Call after `writer.end()`. */
  toBlob(type = ''): Blob {
    return new Blob(this.parts, { type });
  }

  /** The producer for a referenced Blob: zeros in the ring, the Blob in the message. */
  private referenceProducer(writer: XmlWriter, blob: Blob): AttachmentProducer {
    return {
      size: blob.size,
      contentType: blob.type || undefined,
      produce: (sink, signal) => {
        const start = writer.bytesWritten;
        if (start < this.delivered) throw invalidOperation('a referenced Blob starts before bytes already delivered');
        this.references.push({ start, blob, placed: false });
        return fillZeros(sink, blob.size, signal);
      },
      release() {},
    };
  }

  /** Copies the writer's bytes, skipping those a referenced Blob stands for. */
  private take(bytes: Uint8Array): void {
    let at = 0;
    for (;;) {
      const reference = this.references[this.next];
      if (reference && !reference.placed && this.delivered === reference.start) {
        this.parts.push(reference.blob);
        reference.placed = true;
      }
      if (reference?.placed) {
        const end = reference.start + reference.blob.size;
        const skip = Math.min(bytes.length - at, end - this.delivered);
        at += skip;
        this.delivered += skip;
        if (this.delivered === end) {
          this.next++;
          continue;
        }
      }
      if (at >= bytes.length) return;
      const until = reference ? Math.min(bytes.length, at + (reference.start - this.delivered)) : bytes.length;
      this.parts.push(bytes.slice(at, until));
      this.delivered += until - at;
      at = until;
    }
  }
}

/** Commits `size` zero bytes through the sink, waiting only where it must. */
function fillZeros(sink: BytesSink, size: number, signal: AbortSignal): void | Promise<void> {
  for (let left = size; left > 0; ) {
    signal.throwIfAborted();
    const view = sink.reserve(Math.min(left, FILL_CHUNK));
    if (view instanceof Promise) return view.then(async (v) => fillAsync(sink, v, left, signal));
    view.fill(0);
    const committed = sink.commit(view.length);
    left -= view.length;
    if (committed instanceof Promise) return committed.then(() => fillZeros(sink, left, signal));
  }
  return undefined;
}

async function fillAsync(sink: BytesSink, view: Uint8Array, left: number, signal: AbortSignal): Promise<void> {
  view.fill(0);
  await sink.commit(view.length);
  await fillZeros(sink, left - view.length, signal);
}

/**
 * Writers whose output keeps Blob attachments by reference: for them writeAttachment hands a
 * Blob or File to the output as it is, never reading it (src/blob-message.ts registers them).
 */
import type { AttachmentProducer } from './attachment-producer.js';
import type { XmlWriter } from './xml-writer.js';

/** Makes the producer that stands for a Blob in a writer's output. */
export type BlobReferencer = (blob: Blob) => AttachmentProducer;

const referencers = new WeakMap<XmlWriter, BlobReferencer>();

/** From now on, `writeAttachment(writer, blob)` writes `referencer(blob)`. */
export function referenceBlobs(writer: XmlWriter, referencer: BlobReferencer): void {
  referencers.set(writer, referencer);
}

/** The producer standing for `blob` if the writer's output keeps Blobs by reference; else undefined. */
export function blobReference(writer: XmlWriter, blob: Blob): AttachmentProducer | undefined {
  return referencers.get(writer)?.(blob);
}

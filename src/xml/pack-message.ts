/**
 * packMessage: from an envelope (XML text or a stream of it) and its attachments to a message
 * ready to send — the Content-Type, the exact length when every size is known, and the body as a
 * pull-driven ReadableStream.
 */
import { prepareMessage } from '../http-message.js';
import { queueToReadableStream, type XmlWriterStreamOptions } from '../streams.js';
import type { XmlWriter } from '../xml-writer.js';
import type { XmlSource } from './source.js';
import { splitCopyOptions } from './send.js';
import type { WriteXmlOptions, WriteXmlResult } from './write-xml.js';

export interface PackMessageOptions<Source> extends WriteXmlOptions<Source>, XmlWriterStreamOptions {}

export interface PackedMessage {
  /** The HTTP Content-Type (multipart/related for MTOM). */
  contentType: string;
  /** The exact body length, when every part's size is known and the envelope fit in the ring; else undefined. */
  length: number | undefined;
  /** Content-Type, MIME-Version for MTOM, Content-Length when `length` is known. */
  headers: Record<string, string>;
  /** The message; errors (and never ends) if the copy or a source fails. */
  body: ReadableStream<Uint8Array>;
  /** What the copy did (parts, unused attachments), once the envelope has been copied. */
  copied: Promise<WriteXmlResult>;
}

export async function pack<Source>(
  xml: XmlSource,
  options: PackMessageOptions<Source>,
  write: (writer: XmlWriter, xml: XmlSource, options: WriteXmlOptions<Source>) => Promise<WriteXmlResult>,
): Promise<PackedMessage> {
  const { copy, rest: writerOptions } = splitCopyOptions<PackMessageOptions<Source>, WriteXmlOptions<Source>>(options);
  let started: (copy: Promise<WriteXmlResult>) => void = () => {};
  const copied = new Promise<WriteXmlResult>((resolve) => {
    started = resolve;
  });
  // A failed copy rejects this call with its own error (prepareMessage reports the build's).
  copied.catch(() => {});
  const message = await prepareMessage(
    async (writer) => {
      const copying = write(writer, xml, copy);
      started(copying);
      await copying;
    },
    { ...writerOptions, encoding: writerOptions.encoding ?? { type: 'mtom' } },
  );
  return {
    contentType: message.writer.contentType,
    length: message.contentLength,
    headers: message.headers,
    body: queueToReadableStream(message.queue),
    copied,
  };
}

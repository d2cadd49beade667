/**
 * `mtom-stream/xml`: copying existing XML into a writer (writeXml), one call from an envelope to a
 * message (packMessage), and postMessage taking the envelope in place of a build callback. Its own
 * entry, so a page that only writes elements does not load the XML parser. In Node the same
 * specifier resolves to ./node.ts, which adds files, Node streams and requestMessage.
 */
import { postMessage as postBuiltMessage, type BuildMessage, type PostMessageOptions } from '../http.js';
import { writeAttachment, type AttachmentSource } from '../sources.js';
import type { XmlWriter } from '../xml-writer.js';
import { pack, type PackedMessage, type PackMessageOptions } from './pack-message.js';
import type { XmlSource } from './source.js';
import { sendMessage, type MessageSource } from './send.js';
import {
  copyXml,
  createMemoryStore,
  type WriteXmlHost,
  type WriteXmlOptions,
  type WriteXmlResult,
} from './write-xml.js';

export type { XmlSource, ElementName } from './source.js';
export type { WriteXmlOptions, WriteXmlResult } from './write-xml.js';
export type { PackedMessage, PackMessageOptions } from './pack-message.js';
export type { MessageSource } from './send.js';

/** postMessage's options when it is given XML: the copy's (attachments, …) and the transport's. */
export interface PostXmlMessageOptions extends PostMessageOptions, WriteXmlOptions<AttachmentSource> {}

const host: WriteXmlHost<AttachmentSource> = {
  writeAttachment: (writer, source, contentType) => writeAttachment(writer, source, { contentType }),
  createStore: createMemoryStore,
};

/**
 * Copies an XML document or fragment into `writer` at its current position. Long base64 text
 * (`minPartSize`) waits in memory here until its part is sent; in Node it waits in a temporary file.
 */
export function writeXml(
  writer: XmlWriter,
  source: XmlSource,
  options: WriteXmlOptions<AttachmentSource> = {},
): Promise<WriteXmlResult> {
  return copyXml(writer, source, options, host);
}

/**
 * An envelope and its attachments to `{ contentType, length, headers, body }`; MTOM unless
 * `encoding` says otherwise.
 */
export function packMessage(
  xml: XmlSource,
  options: PackMessageOptions<AttachmentSource> = {},
): Promise<PackedMessage> {
  return pack(xml, options, writeXml);
}

/**
 * postMessage (from `mtom-stream`) that also takes the envelope itself: `postMessage(url, xml,
 * { attachments })` copies `xml` with writeXml into an MTOM writer (unless `encoding` says
 * otherwise) and sends it as it is written. With a build callback it is postMessage as it is.
 */
export function postMessage(url: string | URL, build: BuildMessage, options?: PostMessageOptions): Promise<Response>;
export function postMessage(url: string | URL, xml: XmlSource, options?: PostXmlMessageOptions): Promise<Response>;
export function postMessage(
  url: string | URL,
  message: MessageSource,
  options: PostXmlMessageOptions = {},
): Promise<Response> {
  return sendMessage(message, options, writeXml, (build, rest: PostMessageOptions) =>
    postBuiltMessage(url, build, rest),
  );
}

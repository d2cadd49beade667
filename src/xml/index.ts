/**
 * `mtom-stream/xml`: copying existing XML into a writer (writeXml) and one call from an envelope
 * to a message (packMessage). Its own entry, so a page that only writes elements does not load
 * the XML parser. In Node the same specifier resolves to ./node.ts, which adds files and Node streams.
 */
import { writeAttachment, type AttachmentSource } from '../sources.js';
import type { XmlWriter } from '../xml-writer.js';
import { pack, type PackedMessage, type PackMessageOptions } from './pack-message.js';
import type { XmlSource } from './parse.js';
import {
  copyXml,
  createMemoryStore,
  type WriteXmlHost,
  type WriteXmlOptions,
  type WriteXmlResult,
} from './write-xml.js';

export type { XmlSource } from './parse.js';
export type { ElementName } from './copier.js';
export type { WriteXmlOptions, WriteXmlResult } from './write-xml.js';
export type { PackedMessage, PackMessageOptions } from './pack-message.js';

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

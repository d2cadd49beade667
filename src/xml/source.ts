/**
 * The public types of what writeXml reads, apart from the parser: the entry's declarations name
 * no parser type, so a consumer's type check never loads saxes' own.
 */

/** What writeXml copies from: text, UTF-8 bytes, or a stream of either. */
export type XmlSource = string | Uint8Array | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>;

/** An element's name, for choosing which base64 text may become a part. */
export interface ElementName {
  prefix: string;
  localName: string;
  ns: string;
}

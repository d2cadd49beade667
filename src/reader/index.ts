/**
 * The reader entry (`mtom-stream/reader`): reading MTOM/XOP messages and plain XML, streaming.
 */
export { createXmlReader } from './create-reader.js';
export type { XmlReader, HeldPart } from './xml-reader.js';
export { readResponse, type ReadResponseOptions } from './response.js';
export { readMessage, type ReadMessageOptions, type ReadMessageResult, type MessagePart } from './read-message.js';
export { XmlReaderError, type XmlReaderErrorCode } from './errors.js';
export type { XmlReaderOptions, XmlReaderLimits, MtomReaderEncoding, TextReaderEncoding } from './options.js';
export type { ReaderInput, ResponseLike, IncomingLike } from './input.js';
export type {
  XmlNode,
  ElementNode,
  TextNode,
  CdataNode,
  CommentNode,
  EndNode,
  BytesNode,
  XmlAttribute,
  XmlNamespaceDeclaration,
} from './nodes.js';

export { createXmlWriter, type BufferedXmlWriter } from './create-writer.js';
export type { XmlWriter, XmlValue, QualifiedName } from './xml-writer.js';
export { XmlWriterError, ErrorCodes, type XmlWriterErrorCode } from './errors.js';
export type {
  XmlWriterOptions,
  TextEncodingOptions,
  MtomEncodingOptions,
  BinaryOptions,
  WriteBytesOptions,
  ActionPlacement,
  PartProgress,
} from './options.js';
export type { PartHeaderOptions } from './part-headers.js';
export type { OutputCallback } from './ring.js';
export type { BytesSink, PushBytesCallback, PullBytesCallback } from './sink.js';
export { engineSupportsSimd } from './wasm.js';
export {
  createXmlWriterStream,
  type XmlWriterStream,
  type XmlWriterStreamOptions,
  type TransferProgress,
} from './streams.js';
export { writeAttachment, sourceSize, type AttachmentSource, type AttachmentOptions } from './sources.js';
export { postMessage, supportsRequestStreams, type BuildMessage, type PostMessageOptions } from './http.js';
export type { UploadMode } from './post-message-options.js';
export { RequestStreamError } from './request-stream-error.js';

// The reader (also its own entry, mtom-stream/reader); its XML parser loads on first use.
export * from './reader/index.js';

/**
 * The Node-only entry (`mtom-stream/node`): everything the universal entry has, plus the output
 * as a Node Readable, attachment sources read from files and Node streams, and sending over
 * node:http / node:https. Exports only.
 */
export * from './index.js';
export { createXmlWriterReadable, type XmlWriterReadable } from './node-streams.js';
export { writeAttachment, nodeSourceSize, type NodeAttachmentSource, type PathSource } from './node-sources.js';
export { requestMessage, type RequestMessageOptions } from './node-http.js';

/**
 * Reading an HTTP reply: a fetch Response (what postMessage resolves with) or a Node
 * IncomingMessage (what requestMessage resolves with) carries its own Content-Type, so its body
 * reads as MTOM, or as plain XML when the service answered without attachments. A SOAP fault
 * (HTTP 500) reads like any other message: the status is the caller's to look at.
 */
import { createXmlReader } from './create-reader.js';
import type { IncomingLike, ResponseLike } from './input.js';
import type { XmlReaderOptions } from './options.js';
import type { XmlReader } from './xml-reader.js';

export type ReadResponseOptions = Omit<XmlReaderOptions, 'input' | 'encoding'>;

/** A reader over an HTTP reply's body, with the reply's Content-Type. */
export function readResponse(
  response: ResponseLike | IncomingLike,
  options: ReadResponseOptions = {},
): Promise<XmlReader> {
  return createXmlReader({ ...options, input: response });
}

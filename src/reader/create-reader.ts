/**
 * createXmlReader: resolves the options once and opens the input (WsCreateReader + WsSetInput).
 */
import { readerInvalidArg } from './errors.js';
import { toByteSource } from './input.js';
import { resolveLimits, type XmlReaderOptions } from './options.js';
import { XmlReader } from './xml-reader.js';

/**
 * A reader over `input`. Nothing is read until the first `read()` (or iteration). Every failure
 * rejects with an XmlReaderError and faults the reader.
 */
export async function createXmlReader(options: XmlReaderOptions): Promise<XmlReader> {
  if (typeof options !== 'object' || options === null || !('input' in options)) {
    throw readerInvalidArg('createXmlReader needs { input }');
  }
  const limits = resolveLimits(options);
  const encoding = options.encoding;
  if (encoding !== undefined && encoding.type !== 'mtom' && encoding.type !== 'text') {
    throw readerInvalidArg(`encoding.type must be 'mtom' or 'text'`);
  }
  if (encoding?.type === 'mtom' && encoding.contentType !== undefined && typeof encoding.contentType !== 'string') {
    throw readerInvalidArg('encoding.contentType must be a string');
  }
  options.signal?.throwIfAborted();
  const source = toByteSource(options.input);
  return XmlReader.create({
    source,
    limits,
    contentType: encoding?.type === 'mtom' ? encoding.contentType : undefined,
    text: encoding?.type === 'text',
    signal: options.signal,
    simd: options.simd,
  });
}

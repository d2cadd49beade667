/**
 * createXmlWriter: WsCreateWriter + WsSetOutput in one call. Instantiates a core for the writer
 * (compiled once per process), picks the encoding and writes what precedes the document.
 */
import type { Encoding } from './encodings/encoding.js';
import { MtomEncoding } from './encodings/mtom.js';
import { TextEncoding } from './encodings/text.js';
import { invalidArg, operationAborted } from './errors.js';
import { resolveOptions, type XmlWriterOptions } from './options.js';
import { RingChannel } from './ring.js';
import type { SinkOwner } from './sink.js';
import { Core } from './wasm.js';
import { XmlTextOutput } from './xml-text.js';
import { XmlWriter } from './xml-writer.js';

export async function createXmlWriter(options: XmlWriterOptions = {}): Promise<XmlWriter> {
  const resolved = resolveOptions(options);
  const { signal } = options;
  if (signal?.aborted) throw operationAborted('the signal was aborted before the writer was created', signal.reason);
  const encoding = options.encoding ?? { type: 'text' };
  if (encoding.type !== 'text' && encoding.type !== 'mtom') throw invalidArg("encoding.type is 'text' or 'mtom'");
  const core = await Core.create({ ringSize: resolved.ringSize, scratchSize: resolved.scratchSize, simd: resolved.simd });
  const channel = new RingChannel(core, options.output);
  const text = new XmlTextOutput(channel);
  const createEncoding = (owner: SinkOwner): Encoding =>
    encoding.type === 'mtom'
      ? new MtomEncoding({ ...encoding }, channel, text, owner, resolved.maxMimePartsBufferSize, options.onProgress)
      : new TextEncoding({ ...encoding }, channel, text, owner);
  const writer = new XmlWriter(channel, text, resolved, createEncoding);
  writer.begin();
  // The listener goes when the writer ends or fails, so one long-lived signal can serve many writers.
  const onAbort = () => writer.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  const forget = () => signal?.removeEventListener('abort', onAbort);
  writer.closed.then(forget, forget);
  return writer;
}

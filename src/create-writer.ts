/**
 * createXmlWriter: WsCreateWriter + WsSetOutput in one call. Resolves the options, instantiates
 * a core for the writer (compiled once per process), picks the encoding and writes what precedes
 * the document.
 */
import { CallDiscipline } from './call-discipline.js';
import type { Encoding } from './encodings/encoding.js';
import { MtomEncoding } from './encodings/mtom.js';
import { TextEncoding } from './encodings/text.js';
import { operationAborted } from './errors.js';
import { resolveOptions, type XmlWriterOptions } from './options.js';
import { RingChannel } from './ring.js';
import { Core } from './wasm.js';
import { XmlTextOutput } from './xml-text.js';
import { XmlWriter } from './xml-writer.js';

export async function createXmlWriter(options: XmlWriterOptions = {}): Promise<XmlWriter> {
  const resolved = resolveOptions(options);
  const { signal, encoding } = resolved;
  if (signal?.aborted) throw operationAborted('the signal was aborted before the writer was created', signal.reason);
  const { ringSize, scratchSize, simd } = resolved;
  const core = await Core.create({ ringSize, scratchSize, simd });
  const discipline = new CallDiscipline();
  const channel = new RingChannel(core, resolved.output, discipline);
  const text = new XmlTextOutput(channel);
  const chosen: Encoding =
    encoding.type === 'mtom'
      ? new MtomEncoding({ ...resolved, encoding }, channel, text, discipline)
      : new TextEncoding(encoding, channel, text, discipline);
  const writer = new XmlWriter(channel, text, resolved, chosen, discipline);
  signal?.addEventListener('abort', () => writer.abort(signal.reason), { once: true, signal: writer.signal });
  return writer;
}

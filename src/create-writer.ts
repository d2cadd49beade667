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
import { nextMessageEncoding, type ResolvedOptions, resolveOptions, type XmlWriterOptions } from './options.js';
import { RingChannel, type OutputCallback } from './ring.js';
import { Core } from './wasm.js';
import { XmlTextOutput } from './xml-text.js';
import { type MessageParts, XmlWriter } from './xml-writer.js';

/** A writer without an `output` callback: `end()` resolves with the whole message (WS_XML_WRITER_BUFFER_OUTPUT). */
export interface BufferedXmlWriter extends XmlWriter {
  end(): Promise<Uint8Array>;
}

/**
 * Creates an XML writer (WsCreateWriter + WsSetOutput) over its own WebAssembly memory; the
 * module is compiled once per process or page and cached.
 *
 * @param options Encoding (`{ type: 'text' }` by default, or `{ type: 'mtom', … }`), the output
 *   callback, quotas and the rest of {@link XmlWriterOptions}, each with its default.
 * @returns A writer positioned before the root element. With `output`, bytes go to the callback
 *   as they are written and `end()` resolves with `undefined`; without it, the message is kept
 *   and `end()` resolves with it as one `Uint8Array` (a {@link BufferedXmlWriter}).
 * @throws XmlWriterError `E_INVALIDARG` for a bad option, `WS_E_OPERATION_ABORTED` if `signal` is
 *   already aborted.
 *
 * @example
 * const writer = await createXmlWriter({ encoding: { type: 'mtom' } });
 * writer.writeStartElement('', 'Document', 'urn:example');
 * writer.writeBytes(new Uint8Array(1024));
 * const message = await writer.end(); // Uint8Array; send with `Content-Type: writer.contentType`
 */
export function createXmlWriter(options?: XmlWriterOptions & { output?: undefined }): Promise<BufferedXmlWriter>;
/**
 * Creates an XML writer whose bytes go to `options.output` (WS_WRITE_CALLBACK) as they are
 * written; `end()` resolves with `undefined` once the output has taken everything.
 * See the first signature for the options and errors.
 */
export function createXmlWriter(options: XmlWriterOptions & { output: OutputCallback }): Promise<XmlWriter>;
/** Creates an XML writer; `end()` resolves with the message when there is no `output`. */
export function createXmlWriter(options?: XmlWriterOptions): Promise<XmlWriter>;
export function createXmlWriter(options: XmlWriterOptions = {}): Promise<XmlWriter> {
  try {
    const resolved = resolveOptions(options);
    const { signal } = resolved;
    if (signal?.aborted) throw operationAborted('the signal was aborted before the writer was created', signal.reason);
    const { ringSize, scratchSize, simd } = resolved;
    // An idle instance serves at once; only a new one is awaited.
    const idle = Core.takeIdle({ ringSize, scratchSize, simd });
    if (idle) return Promise.resolve(writerOver(idle, resolved));
    return Core.create({ ringSize, scratchSize, simd }).then((core) => writerOver(core, resolved));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** The writer over `core`, positioned before the root element. */
function writerOver(core: Core, resolved: ResolvedOptions): XmlWriter {
  const { signal, encoding } = resolved;
  // Everything that belongs to one message; XmlWriter.reset() starts the next one with it. The
  // abort listener goes when the message ends or fails, so one long-lived signal can serve many
  // writers; each message after a reset() listens again.
  let messages = 0;
  const onAbort = () => writer.abort(signal?.reason);
  const startMessage = (core: Core): MessageParts => {
    const discipline = new CallDiscipline();
    const channel = new RingChannel(core, resolved.output, discipline);
    const text = new XmlTextOutput(channel);
    const chosen: Encoding =
      encoding.type === 'mtom'
        ? new MtomEncoding(
            resolved,
            messages++ === 0 ? encoding : nextMessageEncoding(encoding),
            channel,
            text,
            discipline,
          )
        : new TextEncoding(encoding, channel, text, discipline);
    if (signal) {
      signal.addEventListener('abort', onAbort, { once: true });
      const forget = () => signal.removeEventListener('abort', onAbort);
      discipline.closed.then(forget, forget);
    }
    return { channel, text, encoding: chosen, discipline };
  };
  const writer: XmlWriter = new XmlWriter(resolved, startMessage(core), startMessage);
  return writer;
}

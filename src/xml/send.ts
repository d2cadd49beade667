/**
 * Sending an envelope given as XML: postMessage and requestMessage take `(xml, { attachments })`
 * in place of a build callback. The XML is copied by writeXml into a writer that defaults to MTOM
 * (as packMessage does); a build callback is passed through as it is.
 */
import type { BuildMessage } from '../http.js';
import { invalidArg } from '../errors.js';
import type { XmlWriterOptions } from '../options.js';
import type { XmlWriter } from '../xml-writer.js';
import type { XmlSource } from './source.js';
import type { WriteXmlOptions, WriteXmlResult } from './write-xml.js';

/** What a message is made from: a build callback, or XML to copy. */
export type MessageSource = BuildMessage | XmlSource;

/** writeXml's own option names, the rest being the writer's and the transport's. */
const COPY_OPTIONS = [
  'attachments',
  'minPartSize',
  'optimize',
  'contentTypeFor',
  'onPart',
  'namespaces',
  'sourceName',
  'baseDir',
] as const;

/** Splits writeXml's options (and Node's `baseDir`) from the rest, without mutating the caller's object. */
export function splitCopyOptions<Options extends object, Copy extends object>(
  options: Options,
): { copy: Copy; rest: Omit<Options, keyof Copy> } {
  const copy: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options)) {
    if ((COPY_OPTIONS as readonly string[]).includes(name)) copy[name] = value;
    else rest[name] = value;
  }
  return { copy: copy as Copy, rest: rest as Omit<Options, keyof Copy> };
}

/**
 * Sends `message` with `send` (postMessage or requestMessage): a build callback as it is (with no
 * copy options beside it), or XML copied by `write`, with MTOM unless `encoding` says otherwise.
 * A failed copy rejects with its own error (malformed XML, a missing attachment), not with the
 * abort it caused.
 */
export async function sendMessage<Source, Options extends { encoding?: XmlWriterOptions['encoding'] }, Result>(
  message: MessageSource,
  options: Options & WriteXmlOptions<Source>,
  write: (writer: XmlWriter, xml: XmlSource, options: WriteXmlOptions<Source>) => Promise<WriteXmlResult>,
  send: (build: BuildMessage, options: Options) => Promise<Result>,
): Promise<Result> {
  const { copy, rest } = splitCopyOptions<Options & WriteXmlOptions<Source>, WriteXmlOptions<Source>>(options);
  if (typeof message === 'function') {
    const given = Object.keys(copy);
    if (given.length > 0) {
      throw invalidArg(`${given.join(', ')}: options of XML to copy, but a build callback was given`);
    }
    return send(message, rest as unknown as Options);
  }
  let copyFailure: { error: unknown } | undefined;
  const build: BuildMessage = async (writer) => {
    try {
      await write(writer, message, copy);
    } catch (error) {
      copyFailure = { error };
      throw error;
    }
  };
  const encoding = (rest as Options).encoding ?? { type: 'mtom' };
  try {
    return await send(build, { ...(rest as unknown as Options), encoding });
  } catch (error) {
    throw copyFailure ? copyFailure.error : error;
  }
}

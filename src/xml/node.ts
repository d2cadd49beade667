/**
 * `mtom-stream/xml` in Node: writeXml and packMessage with Node's attachment sources (paths,
 * FileHandles, Readables), `href="file:…"` placeholders under `baseDir`, and long base64 text
 * kept in a temporary file rather than in memory.
 */
import { relative, resolve, isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { invalidArg } from '../errors.js';
import { writeAttachment, type NodeAttachmentSource } from '../node-sources.js';
import type { XmlWriter } from '../xml-writer.js';
import { FileTextStore } from './file-store.js';
import { pack, type PackedMessage, type PackMessageOptions } from './pack-message.js';
import type { XmlSource } from './parse.js';
import { copyXml, type WriteXmlHost, type WriteXmlOptions, type WriteXmlResult } from './write-xml.js';

export type { XmlSource } from './parse.js';
export type { ElementName } from './copier.js';
export type { WriteXmlResult } from './write-xml.js';
export type { PackedMessage } from './pack-message.js';

export interface NodeWriteXmlOptions extends WriteXmlOptions<NodeAttachmentSource> {
  /**
   * The directory `href="file:…"` placeholders resolve against, and must stay inside. Default:
   * undefined, file: placeholders are refused.
   */
  baseDir?: string;
}

export type NodePackMessageOptions = PackMessageOptions<NodeAttachmentSource> & Pick<NodeWriteXmlOptions, 'baseDir'>;

/** Copies an XML document or fragment (a string, bytes, a Web or Node stream) into `writer` at its current position. */
export function writeXml(
  writer: XmlWriter,
  source: XmlSource,
  options: NodeWriteXmlOptions = {},
): Promise<WriteXmlResult> {
  const { baseDir } = options;
  const host: WriteXmlHost<NodeAttachmentSource> = {
    writeAttachment: (target, source, contentType) => writeAttachment(target, source, { contentType }),
    writeFile: (target, href, contentType) =>
      writeAttachment(target, { path: fileUnder(href, baseDir) }, { contentType }),
    createStore: () => new FileTextStore(),
  };
  return copyXml(writer, source, options, host);
}

/**
 * An envelope and its attachments to `{ contentType, length, headers, body }`; MTOM unless
 * `encoding` says otherwise.
 */
export function packMessage(xml: XmlSource, options: NodePackMessageOptions = {}): Promise<PackedMessage> {
  const { baseDir, ...rest } = options;
  return pack(xml, rest, (writer, source, copyOptions) => writeXml(writer, source, { ...copyOptions, baseDir }));
}

/** The file a `file:` href names, which must lie inside baseDir (no `..` or absolute path out of it). */
function fileUnder(href: string, baseDir: string | undefined): string {
  if (baseDir === undefined) throw invalidArg(`xop:Include href="${href}": file: placeholders need the baseDir option`);
  const base = resolve(baseDir);
  let path: string;
  try {
    path = fileURLToPath(new URL(href, pathToFileURL(base.endsWith('/') ? base : `${base}/`)));
  } catch (error) {
    throw invalidArg(`xop:Include href="${href}" is not a usable file: URL (${(error as Error).message})`);
  }
  const inside = relative(base, path);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
    throw invalidArg(`xop:Include href="${href}" names a file outside baseDir (${base})`);
  }
  return path;
}

/**
 * `mtom-stream/xml` in Node: writeXml and packMessage with Node's attachment sources (paths,
 * FileHandles, Readables), `href="file:…"` placeholders under `baseDir`, and long base64 text
 * kept in a temporary file rather than in memory.
 */
import { relative, resolve, isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { invalidArg } from '../errors.js';
import type { IncomingMessage } from 'node:http';
import { postMessage as postBuiltMessage, type BuildMessage, type PostMessageOptions } from '../http.js';
import { requestMessage as requestBuiltMessage, type RequestMessageOptions } from '../node-http.js';
import { writeAttachment, type NodeAttachmentSource } from '../node-sources.js';
import type { XmlWriter } from '../xml-writer.js';
import { FileTextStore } from './file-store.js';
import { pack, type PackedMessage, type PackMessageOptions } from './pack-message.js';
import type { XmlSource } from './source.js';
import { sendMessage, type MessageSource } from './send.js';
import { copyXml, type WriteXmlHost, type WriteXmlOptions, type WriteXmlResult } from './write-xml.js';

export type { XmlSource, ElementName } from './source.js';
export type { WriteXmlResult } from './write-xml.js';
export type { PackedMessage } from './pack-message.js';
export type { MessageSource } from './send.js';

export interface NodeWriteXmlOptions extends WriteXmlOptions<NodeAttachmentSource> {
  /**
   * The directory `href="file:…"` placeholders resolve against, and must stay inside. Default:
   * undefined, file: placeholders are refused.
   */
  baseDir?: string;
}

export type NodePackMessageOptions = PackMessageOptions<NodeAttachmentSource> & Pick<NodeWriteXmlOptions, 'baseDir'>;

/** postMessage's options when it is given XML: the copy's (attachments, baseDir, …) and fetch's. */
export interface NodePostXmlMessageOptions extends PostMessageOptions, NodeWriteXmlOptions {}

/** requestMessage's options when it is given XML: the copy's (attachments, baseDir, …) and node:http's. */
export interface RequestXmlMessageOptions extends RequestMessageOptions, NodeWriteXmlOptions {}

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

/**
 * postMessage that also takes the envelope itself: `postMessage(url, xml, { attachments })`
 * copies `xml` into an MTOM writer (unless `encoding` says otherwise) and sends it with fetch.
 */
export function postMessage(url: string | URL, build: BuildMessage, options?: PostMessageOptions): Promise<Response>;
export function postMessage(url: string | URL, xml: XmlSource, options?: NodePostXmlMessageOptions): Promise<Response>;
export function postMessage(
  url: string | URL,
  message: MessageSource,
  options: NodePostXmlMessageOptions = {},
): Promise<Response> {
  return sendMessage(message, options, writeXml, (build, rest: PostMessageOptions) =>
    postBuiltMessage(url, build, rest),
  );
}

/**
 * requestMessage (node:http) that also takes the envelope itself: `requestMessage(url, xml,
 * { attachments })` copies `xml` into an MTOM writer (unless `encoding` says otherwise) and sends
 * it with the exact Content-Length when every size is known, else chunked.
 */
export function requestMessage(
  url: string | URL,
  build: BuildMessage,
  options?: RequestMessageOptions,
): Promise<IncomingMessage>;
export function requestMessage(
  url: string | URL,
  xml: XmlSource,
  options?: RequestXmlMessageOptions,
): Promise<IncomingMessage>;
export function requestMessage(
  url: string | URL,
  message: MessageSource,
  options: RequestXmlMessageOptions = {},
): Promise<IncomingMessage> {
  return sendMessage(message, options, writeXml, (build, rest: RequestMessageOptions) =>
    requestBuiltMessage(url, build, rest),
  );
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

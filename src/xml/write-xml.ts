/**
 * writeXml: copies an XML document or fragment into a writer at its current position, streaming
 * (WsWriteXmlBuffer / WsCopyNode). Placeholders `<xop:Include href="cid:NAME"/>` take their bytes
 * from `options.attachments[NAME]`; base64 text of at least `minPartSize` decoded bytes becomes a
 * part. If the copy fails, the writer is aborted, so a half-copied document never looks complete.
 */
import { invalidArg } from '../errors.js';
import type { XmlWriter } from '../xml-writer.js';
import { XmlCopier, type IncludeResolver } from './copier.js';
import { parseXml } from './parse.js';
import type { ElementName, XmlSource } from './source.js';
import { MemoryTextStore, type TextStore } from './text-run.js';

export interface WriteXmlOptions<Source> {
  /** What `<xop:Include href="cid:NAME"/>` placeholders refer to, by NAME (anything writeAttachment takes). */
  attachments?: Readonly<Record<string, Source>> | ReadonlyMap<string, Source>;
  /**
   * Base64 text content that decodes to at least this many bytes becomes a part (with MTOM) and
   * is streamed, not held as one string. Default: undefined, base64 text is copied as text.
   */
  minPartSize?: number;
  /** Which elements' base64 text may become a part (with `minPartSize`). Default: every element. */
  optimize?: (element: ElementName) => boolean;
  /**
   * The Content-Type of a placeholder's part, by its href (`cid:NAME`, `file:PATH`); undefined
   * leaves it to the element's xmime:contentType, the source's own type (a Blob's), or
   * application/octet-stream.
   */
  contentTypeFor?: (href: string) => string | undefined;
  /**
   * Prefixes a fragment may use without declaring them (prefix → namespace URI), such as those
   * the writer has in scope where the fragment goes. Default none.
   */
  namespaces?: Readonly<Record<string, string>>;
  /** A name for the source in error messages (`NAME:line:column: …`), such as its file name. */
  sourceName?: string;
  /** Told of each part as it is queued, in message order: the placeholder's href, or `<qname>` for base64 text. */
  onPart?: (label: string) => void;
}

/** What a copy did. */
export interface WriteXmlResult {
  /** Parts the copy queued (placeholders and optimized base64 text). */
  parts: number;
  /** Attachment names no placeholder referred to. */
  unusedAttachments: string[];
  /** Processing instructions left out because they stood inside a placeholder or beside an xop:Include (XOP §3). */
  droppedInstructions: number;
  /** Comments left out because they stood inside a placeholder or beside an xop:Include (XOP §3). */
  droppedComments: number;
}

/** What an entry (universal or Node) supplies: how sources and file: hrefs become parts, where text waits. */
export interface WriteXmlHost<Source> {
  writeAttachment(writer: XmlWriter, source: Source, contentType: string | undefined): void | Promise<void>;
  /** Writes the part for `href="file:…"`; undefined where files cannot be read (browsers). */
  writeFile?(writer: XmlWriter, href: string, contentType: string | undefined): void | Promise<void>;
  /**
   * Writes the part for every placeholder, `cid:` and `file:` alike, in place of `attachments`
   * and writeFile: for a host that resolves hrefs its own way (the command line's --attach).
   */
  writeInclude?(writer: XmlWriter, href: string, contentType: string | undefined): void | Promise<void>;
  /** Runs writer calls with the output taking every byte at once (see CopierOptions.synchronously). */
  synchronously?: (write: () => void) => void;
  createStore(): TextStore;
}

export async function copyXml<Source>(
  writer: XmlWriter,
  source: XmlSource,
  options: WriteXmlOptions<Source>,
  host: WriteXmlHost<Source>,
): Promise<WriteXmlResult> {
  const attachments = toMap(options.attachments);
  const used = new Set<string>();
  const { minPartSize } = options;
  const store = host.createStore();
  try {
    if (minPartSize !== undefined && !(Number.isSafeInteger(minPartSize) && minPartSize >= 1)) {
      throw invalidArg('minPartSize is a whole number of bytes, at least 1');
    }
    const resolveInclude: IncludeResolver = (target, href) => {
      if (host.writeInclude) return host.writeInclude(target, href, options.contentTypeFor?.(href));
      if (/^cid:/i.test(href)) {
        const raw = href.slice(4);
        const name = attachments.has(raw) ? raw : cidName(raw);
        const attachment = attachments.get(name);
        if (attachment === undefined)
          throw invalidArg(`xop:Include href="${href}" has no attachment: give attachments["${name}"]`);
        used.add(name);
        return host.writeAttachment(target, attachment, options.contentTypeFor?.(href));
      }
      if (!host.writeFile) throw invalidArg(`xop:Include href="${href}": file: placeholders are read only in Node`);
      return host.writeFile(target, href, options.contentTypeFor?.(href));
    };
    const { optimize, onPart } = options;
    const { synchronously } = host;
    const copier = new XmlCopier(writer, { resolveInclude, minPartSize, optimize, onPart, store, synchronously });
    await parseXml(
      source,
      async (events) => {
        for (const event of events) await copier.apply(event);
      },
      { namespaces: options.namespaces, sourceName: options.sourceName },
    );
    // Parts are read back from the store when they are emitted, so it lives as long as the writer.
    writer.closed.then(
      () => store.close(),
      () => store.close(),
    );
    return {
      parts: copier.parts,
      unusedAttachments: [...attachments.keys()].filter((name) => !used.has(name)),
      droppedInstructions: copier.droppedInstructions,
      droppedComments: copier.droppedComments,
    };
  } catch (error) {
    store.close();
    writer.abort(error);
    throw error;
  }
}

export function createMemoryStore(): TextStore {
  return new MemoryTextStore();
}

/** RFC 2392 §2: a cid URL is the Content-ID %-escaped; NAME is matched as written, then unescaped. */
function cidName(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function toMap<Source>(attachments: WriteXmlOptions<Source>['attachments']): ReadonlyMap<string, Source> {
  if (attachments === undefined) return new Map();
  if (attachments instanceof Map) return attachments;
  return new Map(Object.entries(attachments as Record<string, Source>));
}

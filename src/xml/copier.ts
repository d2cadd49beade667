/**
 * Copies parsed XML into a writer at its current position, event by event (WsCopyNode): start
 * tags with their prefixes and namespace declarations, attributes, text, CDATA sections,
 * comments, processing instructions, end tags.
 * `xop:Include` placeholders and long base64 text become parts (pushBytes), keeping XOP §3: an
 * optimized element holds nothing but its xop:Include.
 */
import type { SaxesTagNS, XMLDecl } from '../xml-parser.js';
import { invalidArg, invalidFormat, invalidOperation } from '../errors.js';
import { XMLNS_NS, XOP_NS } from '../names.js';
import type { XmlWriter } from '../xml-writer.js';
import type { ParseEvent } from './parse.js';
import type { ElementName } from './source.js';
import { decodeStored, sliceText, TextRun, type StoredText, type TextStore } from './text-run.js';

/** Bytes buffered in the ring before the copy waits for the output to take them. */
const FLUSH_AT = 64 * 1024;
/** Characters of possible base64 text kept in memory before they go to the store. */
const SPILL_AT = 1024 * 1024;

/** Writes a placeholder's part: `href` is the xop:Include's, already checked to be cid: or file:. */
export type IncludeResolver = (writer: XmlWriter, href: string) => void | Promise<void>;

export type { ElementName } from './source.js';

export interface CopierOptions {
  resolveInclude: IncludeResolver;
  /** Base64 text decoding to at least this many bytes becomes a part; undefined: never. */
  minPartSize: number | undefined;
  /** Which elements' base64 text may become a part; default all. */
  optimize: ((element: ElementName) => boolean) | undefined;
  /** Told of each part as it is queued: the placeholder's href, or `<qname>` for base64 text. */
  onPart: ((label: string) => void) | undefined;
  store: TextStore;
  /**
   * Runs writer calls with the output taking every byte at once (a file written synchronously),
   * for start tags, comments and sections larger than the ring. Default: none, such a piece must
   * fit in the ring.
   */
  synchronously?: (write: () => void) => void;
}

interface Frame {
  qname: string;
  /** An xop:Include placeholder: not written, its parent gets the part. */
  include: boolean;
  /** Whether its base64 text may become a part. */
  eligible: boolean;
  /** Some content (text or elements) has been written into it. */
  written: boolean;
  /** Its binary content is queued as a part: only whitespace may follow. */
  sealed: boolean;
}

export class XmlCopier {
  parts = 0;
  /** Processing instructions left out because they stood inside a placeholder or beside an xop:Include (XOP §3). */
  droppedInstructions = 0;
  /** Comments left out: inside a placeholder or beside an xop:Include (XOP §3). */
  droppedComments = 0;
  private readonly frames: Frame[] = [];
  private readonly run: TextRun;
  /** The current run of text is not base64: written as it comes. */
  private plain = false;

  constructor(
    private readonly writer: XmlWriter,
    private readonly options: CopierOptions,
  ) {
    this.run = new TextRun(options.store, SPILL_AT);
  }

  /** Whether every element opened has been closed. */
  get balanced(): boolean {
    return this.frames.length === 0;
  }

  async apply(event: ParseEvent): Promise<void> {
    switch (event.kind) {
      case 'decl':
        return checkDeclaration(event.decl);
      case 'open':
        return isInclude(event.tag) ? this.include(event.tag) : this.open(event.tag);
      case 'close':
        return this.close();
      case 'text':
        return this.text(event.text);
      case 'cdata':
        return this.cdata(event.text);
      case 'comment':
        return this.comment(event.text);
      case 'pi':
        return this.instruction(event.target, event.data);
    }
  }

  private top(): Frame | undefined {
    return this.frames[this.frames.length - 1];
  }

  private async open(tag: SaxesTagNS): Promise<void> {
    const parent = this.top();
    if (parent) {
      if (parent.include) throw invalidFormat(`<${parent.qname}> must be empty, but it contains <${tag.name}>`);
      if (parent.sealed)
        throw invalidFormat(`<${parent.qname}> has an xop:Include, which must be its only content (XOP §3)`);
      await this.endRun(parent, false);
      parent.written = true;
    }
    const { writer } = this;
    const attributes = Object.values(tag.attributes).filter((a) => a.uri !== XMLNS_NS);
    // A start tag goes into the ring in one piece (up to 6 bytes a character, as &quot;).
    let estimate = tag.name.length;
    for (const a of attributes) estimate += (a.name.length + a.value.length) * 6;
    await this.writeWhole(estimate, () => {
      writer.writeStartElement(tag.prefix, tag.local, tag.uri);
      for (const [prefix, ns] of Object.entries(tag.ns)) {
        // Namespace fix-up: a binding the element's own name or attributes use is left to the
        // writer, which declares it only where its scope lacks it (and rebinds a clashing prefix);
        // a declaration the writer already has in scope (from the copied ancestors or its own
        // elements around the copy) is not repeated.
        const usedByName =
          (tag.prefix === prefix && tag.uri === ns) || attributes.some((a) => a.prefix === prefix && a.uri === ns);
        if (!usedByName && writer.lookupNamespace(prefix) !== ns) writer.writeXmlnsAttribute(prefix, ns);
      }
      for (const a of attributes) writer.writeAttribute(a.prefix, a.local, a.uri, a.value);
    });
    const { minPartSize, optimize } = this.options;
    const eligible =
      minPartSize !== undefined && (optimize?.({ prefix: tag.prefix, localName: tag.local, ns: tag.uri }) ?? true);
    this.frames.push({ qname: tag.name, include: false, eligible, written: false, sealed: false });
    await this.maybeFlush();
  }

  /** `<xop:Include href="…"/>`: the parent's content becomes the part the href names. */
  private async include(tag: SaxesTagNS): Promise<void> {
    const parent = this.top();
    if (!parent) throw invalidFormat('an xop:Include placeholder must sit inside the element it optimizes');
    if (parent.include) throw invalidFormat('an xop:Include placeholder cannot contain another one');
    if (parent.written || parent.sealed || !this.run.isWhitespace) {
      throw invalidFormat(`the xop:Include in <${parent.qname}> must be its only content (XOP §3)`);
    }
    this.run.reset();
    const href = Object.values(tag.attributes).find((a) => a.local === 'href' && a.uri === '')?.value;
    if (href === undefined) throw invalidFormat(`the xop:Include in <${parent.qname}> has no href attribute`);
    if (!/^(cid|file):/i.test(href))
      throw invalidArg(`xop:Include href="${href}": a placeholder's href is cid:NAME or file:PATH`);
    await this.options.resolveInclude(this.writer, href);
    this.parts++;
    this.options.onPart?.(href);
    parent.sealed = true;
    this.frames.push({
      qname: tag.name,
      include: true,
      eligible: false,
      written: false,
      sealed: false,
    });
  }

  private async comment(text: string): Promise<void> {
    const frame = this.top();
    // Inside a placeholder or beside an xop:Include, a comment would break XOP §3: left out.
    if (frame?.include || frame?.sealed) {
      this.droppedComments++;
      return;
    }
    if (frame) {
      await this.endRun(frame, false);
      frame.written = true;
    }
    await this.writeWhole(text.length * 3, () => this.writer.writeComment(text));
    await this.maybeFlush();
  }

  /**
   * A CDATA section: kept as one (the text before it ends its run, like a comment's), except
   * where base64 text may become a part (`minPartSize`): there it is text of the run.
   */
  private async cdata(text: string): Promise<void> {
    const frame = this.top();
    if (!frame || frame.include || frame.sealed || (frame.eligible && !this.plain)) return this.text(text);
    await this.endRun(frame, false);
    frame.written = true;
    await this.writeWhole(text.length * 3, () => this.writer.writeCData(text));
    await this.maybeFlush();
  }

  /** A processing instruction: kept where it stands, except inside a placeholder or beside an xop:Include (XOP §3). */
  private async instruction(target: string, data: string): Promise<void> {
    const frame = this.top();
    if (frame?.include || frame?.sealed) {
      this.droppedInstructions++;
      return;
    }
    if (frame) {
      await this.endRun(frame, false);
      frame.written = true;
    }
    await this.writeWhole((target.length + data.length) * 3, () =>
      this.writer.writeProcessingInstruction(target, data),
    );
    await this.maybeFlush();
  }

  private async close(): Promise<void> {
    const frame = this.frames.pop();
    if (!frame) throw invalidOperation('an end tag with no start tag');
    if (frame.include) {
      this.run.reset();
      return;
    }
    await this.endRun(frame, true);
    this.writer.writeEndElement();
    await this.maybeFlush();
  }

  private async text(text: string): Promise<void> {
    const frame = this.top();
    if (!frame) {
      // Between the nodes of a fragment: whitespace only (saxes refuses the rest), not copied.
      if (!/^[ \t\r\n]*$/.test(text)) throw invalidFormat('text outside every element');
      return;
    }
    if (frame.include || frame.sealed) {
      if (!/^[ \t\r\n]*$/.test(text)) {
        throw invalidFormat(
          frame.include
            ? `<${frame.qname}> must be empty, but it contains text`
            : `<${frame.qname}> has an xop:Include, which must be its only content (XOP §3)`,
        );
      }
      return;
    }
    if (this.plain) return this.writeText(frame, sliceText(text));
    this.run.add(text);
    if (!this.run.mayBeBase64 || (!frame.eligible && !this.run.isWhitespace)) {
      this.plain = true;
      await this.writeText(frame, this.run.slices());
    }
  }

  /** The text since the last tag ends: at the element's end, long base64 becomes a part, the rest is text. */
  private async endRun(frame: Frame, atEnd: boolean): Promise<void> {
    const { run } = this;
    if (this.plain || run.isEmpty) {
      this.plain = false;
      run.reset();
      return;
    }
    const { minPartSize, store } = this.options;
    const size = atEnd && frame.eligible && !frame.written ? run.decodedSize() : undefined;
    if (size !== undefined && minPartSize !== undefined && size >= minPartSize) {
      const region = run.toStore();
      // With MTOM the part is read back at end(); with the text encoding now, re-encoded canonically.
      await this.writer.pushBytes((sink) => storedProducer(store, region, sink), { size });
      this.parts++;
      this.options.onPart?.(`<${frame.qname}>`);
      run.reset();
      return;
    }
    await this.writeText(frame, run.slices());
    run.reset();
  }

  private async writeText(frame: Frame, slices: Iterable<string>): Promise<void> {
    for (const slice of slices) {
      this.writer.writeChars(slice);
      frame.written = true;
      await this.maybeFlush();
    }
  }

  /**
   * Runs writer calls that go into the ring in one piece, about `size` bytes: past FLUSH_AT the
   * ring is emptied first, and with a `synchronously` host the calls run with the output taking
   * bytes as they come, so a piece larger than the ring still fits.
   */
  private async writeWhole(size: number, write: () => void): Promise<void> {
    if (size <= FLUSH_AT) return write();
    await this.writer.flush();
    const { synchronously } = this.options;
    if (synchronously) synchronously(write);
    else write();
  }

  /** Hands the ring's bytes to the output once enough are buffered (the writer's synchronous calls need room). */
  private async maybeFlush(): Promise<void> {
    const { writer } = this;
    if (writer.bytesWritten - writer.bytesFlushed >= FLUSH_AT) await writer.flush();
  }
}

async function storedProducer(
  store: TextStore,
  region: StoredText,
  sink: { write(bytes: Uint8Array): void | Promise<void> },
) {
  for await (const bytes of decodeStored(store, region)) await sink.write(bytes);
}

function isInclude(tag: SaxesTagNS): boolean {
  return tag.uri === XOP_NS && tag.local === 'Include';
}

function checkDeclaration(decl: XMLDecl): void {
  if (decl.version !== undefined && decl.version !== '1.0')
    throw invalidFormat(`the XML is version ${decl.version}; only XML 1.0 is copied`);
  const encoding = decl.encoding?.toLowerCase();
  if (encoding !== undefined && !['utf-8', 'utf8', 'us-ascii', 'ascii'].includes(encoding)) {
    throw invalidFormat(`the XML declares encoding="${decl.encoding}"; writeXml reads UTF-8`);
  }
}

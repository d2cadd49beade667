/**
 * Copies a parsed document into the writer, event by event: start tags with their own prefixes
 * and namespace declarations (writeStartElement, writeXmlnsAttribute, writeAttribute), text
 * (writeChars), end tags. Along the way it turns placeholders and large base64 text into parts
 * (pushBytes), keeping XOP §3: an optimized element holds nothing but its xop:Include.
 */
import type { SaxesTagNS, XMLDecl } from '../xml-parser.js';
import type { XmlWriter } from '../index.js';
import { fileProducer, resolveHref, spoolProducer, type AttachmentContext } from './attachments.js';
import { Spool, TextRun, sliceText } from './base64-text.js';
import { InputError } from './errors.js';
import type { ParseEvent } from './xml-events.js';

const XOP_NS = 'http://www.w3.org/2004/08/xop/include';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

export interface CopyOptions extends AttachmentContext {
  /** Base64 content decoding to more than this many bytes becomes a part; undefined: never. */
  minSize: number | undefined;
  /** Element names whose base64 content may be optimized; empty: all. */
  only: readonly string[];
}

/** One part the copy has queued, in the order the writer emits them. */
export interface PartInfo {
  label: string;
  size: number;
}

interface Frame {
  /** The name as written in the input, for messages. */
  qname: string;
  /** An xop:Include placeholder: not written, its parent gets the file's bytes. */
  include: boolean;
  /** Whether base64 text of this element may become a part. */
  eligible: boolean;
  /** Some content (text or elements) has been written into it. */
  written: boolean;
  /** Its binary content is queued as a part: only whitespace may follow. */
  sealed: boolean;
}

/** Bytes buffered in the ring before the copy waits for the output to take them. */
const FLUSH_AT = 256 * 1024;
/** Characters of possible base64 text kept in memory before they go to the spool. */
const SPILL_AT = 1024 * 1024;

export class DocumentCopier {
  readonly parts: PartInfo[] = [];
  /** cid names that placeholders referred to. */
  readonly usedCids = new Set<string>();
  /** Comments left out: inside a placeholder, or beside binary content (XOP §3). */
  comments = 0;
  instructions = 0;
  private readonly frames: Frame[] = [];
  private readonly run: TextRun;
  /** The current run of text is not base64: it has been written, and more of it is written as it comes. */
  private plain = false;
  private rootClosed = false;

  constructor(
    private readonly writer: XmlWriter,
    private readonly options: CopyOptions,
    private readonly spool: Spool,
    private readonly signal: AbortSignal,
    /** Runs synchronous writer calls with the output writing synchronously (Destination.synchronously). */
    private readonly synchronously: (write: () => void) => void,
  ) {
    this.run = new TextRun(spool, SPILL_AT);
  }

  /** Whether the root element has been closed. */
  get done(): boolean {
    return this.rootClosed;
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
      case 'comment':
        return this.comment(event.text);
      case 'pi':
        this.instructions++;
        return;
    }
  }

  private top(): Frame | undefined {
    return this.frames[this.frames.length - 1];
  }

  private async open(tag: SaxesTagNS): Promise<void> {
    const parent = this.top();
    if (parent) {
      if (parent.include) throw new InputError(`<${parent.qname}> must be empty, but it contains <${tag.name}>`);
      if (parent.sealed) throw new InputError(`<${parent.qname}> has an xop:Include, which must be its only content, and also <${tag.name}>`);
      await this.endRun(parent, false);
      parent.written = true;
    }
    const { writer } = this;
    const attributes = Object.values(tag.attributes).filter((a) => a.uri !== XMLNS_NS);
    const write = () => {
      writer.writeStartElement(tag.prefix, tag.local, tag.uri);
      for (const [prefix, ns] of Object.entries(tag.ns)) writer.writeXmlnsAttribute(prefix, ns);
      for (const a of attributes) writer.writeAttribute(a.prefix, a.local, a.uri, a.value);
    };
    // A start tag goes to the writer in one call per attribute; one that may not fit in the ring
    // (up to 6 bytes a character, as &quot;) is written with the output synchronous, so the ring
    // drains as it fills, after the bytes before it have gone out.
    let estimate = tag.name.length;
    for (const a of attributes) estimate += (a.name.length + a.value.length) * 6;
    if (estimate > FLUSH_AT) {
      await writer.flush();
      this.synchronously(write);
    } else {
      write();
    }
    this.frames.push({ qname: tag.name, include: false, eligible: this.eligible(tag), written: false, sealed: false });
    await this.maybeFlush();
  }

  /** `<xop:Include href="file:…"/>` or `href="cid:NAME"`: the parent's content becomes the file. */
  private include(tag: SaxesTagNS): void {
    const parent = this.top();
    if (!parent) throw new InputError('the root element cannot be an xop:Include placeholder');
    if (parent.include) throw new InputError('an xop:Include placeholder cannot contain another one');
    if (parent.written || parent.sealed || !this.run.isWhitespace) {
      throw new InputError(`the xop:Include in <${parent.qname}> must be its only content (XOP §3)`);
    }
    // Indentation around the placeholder is dropped: the Include stands alone in the output.
    this.run.reset();
    const href = Object.values(tag.attributes).find((a) => a.local === 'href' && a.uri === '')?.value;
    if (href === undefined) throw new InputError(`the xop:Include in <${parent.qname}> has no href attribute`);
    const file = resolveHref(href, this.options);
    if (file.cid !== undefined) this.usedCids.add(file.cid);
    this.writer.pushBytes(fileProducer(file, this.signal), { contentType: file.contentType, size: file.size });
    this.parts.push({ label: file.label, size: file.size });
    parent.sealed = true;
    this.frames.push({ qname: tag.name, include: true, eligible: false, written: false, sealed: false });
  }

  /** A comment is copied, unless it stands in a placeholder or beside an xop:Include (XOP §3). */
  private async comment(text: string): Promise<void> {
    const frame = this.top();
    if (frame?.include || frame?.sealed) {
      this.comments++;
      return;
    }
    if (frame) {
      await this.endRun(frame, false);
      frame.written = true;
    }
    // A comment is one call too: a large one is written as a large start tag is (see open()).
    if (text.length * 3 > FLUSH_AT) {
      await this.writer.flush();
      this.synchronously(() => this.writer.writeComment(text));
    } else {
      this.writer.writeComment(text);
    }
    await this.maybeFlush();
  }

  private async close(): Promise<void> {
    const frame = this.frames.pop() as Frame;
    if (frame.include) {
      this.run.reset();
      return;
    }
    await this.endRun(frame, true);
    this.writer.writeEndElement();
    if (this.frames.length === 0) this.rootClosed = true;
    await this.maybeFlush();
  }

  private async text(text: string): Promise<void> {
    const frame = this.top();
    // Outside the root element: whitespace only (the parser refuses anything else); not copied.
    if (!frame) return;
    if (frame.include || frame.sealed) {
      if (!/^[ \t\r\n]*$/.test(text)) {
        throw new InputError(
          frame.include
            ? `<${frame.qname}> must be empty, but it contains text`
            : `<${frame.qname}> has an xop:Include, which must be its only content, and also text`,
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

  /**
   * The text since the last tag ends: at the element's end, base64 decoding to more than
   * --min-size bytes becomes a part; anything else is written as text.
   */
  private async endRun(frame: Frame, atEnd: boolean): Promise<void> {
    const { run } = this;
    if (this.plain || run.isEmpty) {
      this.plain = false;
      run.reset();
      return;
    }
    const { minSize } = this.options;
    const size = atEnd && frame.eligible && !frame.written ? run.decodedSize() : undefined;
    if (size !== undefined && minSize !== undefined && size > minSize) {
      const region = run.toSpool();
      this.writer.pushBytes(spoolProducer(this.spool, region, this.signal), { size });
      this.parts.push({ label: `<${frame.qname}>`, size });
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

  /** Hands the ring's bytes to the output once enough are buffered (the writer's synchronous calls need room). */
  private async maybeFlush(): Promise<void> {
    const { writer } = this;
    if (!this.rootClosed && writer.bytesWritten - writer.bytesFlushed >= FLUSH_AT) await writer.flush();
  }

  private eligible(tag: SaxesTagNS): boolean {
    const { minSize, only } = this.options;
    if (minSize === undefined) return false;
    return only.length === 0 || only.includes(tag.local) || only.includes(tag.name) || only.includes(`{${tag.uri}}${tag.local}`);
  }
}

function isInclude(tag: SaxesTagNS): boolean {
  return tag.uri === XOP_NS && tag.local === 'Include';
}

function checkDeclaration(decl: XMLDecl): void {
  if (decl.version !== undefined && decl.version !== '1.0') {
    throw new InputError(`the input is XML ${decl.version}; only XML 1.0 is supported`);
  }
  const encoding = decl.encoding?.toLowerCase();
  if (encoding !== undefined && !['utf-8', 'utf8', 'us-ascii', 'ascii'].includes(encoding)) {
    throw new InputError(`the input declares encoding="${decl.encoding}"; only UTF-8 input is supported (convert it first, e.g. with iconv)`);
  }
}

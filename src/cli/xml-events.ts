/**
 * The input document as parser events, chunk by chunk: UTF-8 bytes in (decoded strictly), saxes
 * events out, queued so the copy can wait for the output between them. The one place that knows
 * saxes' internals: saxes gathers a text node (or CDATA section) whole before reporting it, which
 * would hold a large base64 element in one string; between chunks, in those two states, the text
 * gathered so far is complete (entities resolved, line ends normalized), so it is taken out and
 * reported as a text event of its own. tests/host/cli.test.ts fails if that ever stops.
 */
import { SaxesParser, type SaxesTagNS, type XMLDecl } from '../xml-parser.js';
import { InputError } from './errors.js';

/** What the parser reports. */
export type ParseEvent =
  | { kind: 'decl'; decl: XMLDecl }
  | { kind: 'open'; tag: SaxesTagNS }
  | { kind: 'close' }
  | { kind: 'text'; text: string }
  | { kind: 'comment'; text: string }
  | { kind: 'pi' };

/** Text saxes has gathered past this many characters is taken out between chunks. */
export const DRAIN_TEXT_AT = 64 * 1024;

// saxes 6.0.0 states (lib/saxes.js): character data, and the inside of a CDATA section.
const S_TEXT = 13;
const S_CDATA = 20;

/** The two saxes fields the drain reads and resets. */
interface SaxesInternals {
  state: unknown;
  text: unknown;
}

export class XmlEventReader {
  private readonly parser: SaxesParser<{ xmlns: true }>;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private events: ParseEvent[] = [];
  /** Bytes read so far. */
  offset = 0;

  constructor(fileName: string) {
    const parser = new SaxesParser({ xmlns: true, fileName });
    const events = () => this.events;
    parser.on('xmldecl', (decl) => events().push({ kind: 'decl', decl }));
    parser.on('doctype', () => {
      throw new InputError('the input has a DOCTYPE, which SOAP messages may not have; remove it');
    });
    parser.on('opentag', (tag) => events().push({ kind: 'open', tag }));
    parser.on('closetag', () => events().push({ kind: 'close' }));
    parser.on('text', (text) => events().push({ kind: 'text', text }));
    parser.on('cdata', (text) => events().push({ kind: 'text', text }));
    parser.on('comment', (text) => events().push({ kind: 'comment', text }));
    parser.on('processinginstruction', () => events().push({ kind: 'pi' }));
    this.parser = parser;
  }

  /** The events of the next chunk of input; `undefined` ends the input (and checks it is complete). */
  read(bytes: Uint8Array | undefined): ParseEvent[] {
    this.events = [];
    let text: string;
    try {
      text = bytes ? this.decoder.decode(bytes, { stream: true }) : this.decoder.decode();
    } catch {
      const end = this.offset + (bytes?.length ?? 0);
      throw new InputError(`the input is not valid UTF-8 (in bytes ${this.offset} to ${end})`);
    }
    try {
      if (bytes) this.parser.write(text);
      else this.parser.write(text).close();
    } catch (error) {
      if (error instanceof InputError) throw error;
      throw new InputError(`malformed XML: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (bytes) {
      this.offset += bytes.length;
      this.drainText();
    }
    return this.events;
  }

  private drainText(): void {
    const internals = this.parser as unknown as SaxesInternals;
    const inText = internals.state === S_TEXT || internals.state === S_CDATA;
    if (inText && typeof internals.text === 'string' && internals.text.length >= DRAIN_TEXT_AT) {
      this.events.push({ kind: 'text', text: internals.text });
      internals.text = '';
    }
  }
}

/**
 * Command-line arguments of `mtom-stream pack`, and its help text. Parsed with node:util
 * parseArgs (no dependency); every value is checked here so that a bad argument fails before
 * any input is read or any output is created.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';

export interface PackOptions {
  /** Input XML path, or '-' for stdin. */
  input: string;
  /** Output path, or undefined for stdout. */
  output: string | undefined;
  /** The directory file: hrefs resolve against and must stay inside; undefined: the input's. */
  baseDir: string | undefined;
  /** cid name → file path, from `--attach NAME=FILE`. */
  attach: Map<string, string>;
  /** Media type for file attachments by reference (cid name or file: path), from `--type REF=TYPE`. */
  types: Map<string, string>;
  /** Media type for file attachments with no other type, from `--type TYPE`. */
  defaultType: string | undefined;
  /** Base64 content decoding to more than this many bytes becomes a part; undefined: never. */
  minSize: number | undefined;
  /** Only elements with these names have their base64 content optimized (empty: all). */
  only: string[];
  startInfo: string;
  soap11: boolean;
  action: string | undefined;
  boundary: string | undefined;
  start: string | undefined;
  mimeHeader: boolean;
  rootTransferEncoding: 'binary' | '8bit';
  printContentType: boolean;
  quiet: boolean;
  /** Progress bar: 'auto' (stderr is a terminal), or forced on/off. */
  progress: 'auto' | 'always' | 'never';
  /** Force the scalar core (diagnostics). */
  simd: boolean | undefined;
}

export const PACK_HELP = `\
Usage: mtom-stream pack [options] [INPUT.xml]

Reads an XML document (a SOAP envelope, usually) from INPUT.xml, or from stdin when INPUT is
"-" or missing, and writes it as an MTOM message: the document becomes the root part and
binary content becomes attachment parts referenced by <xop:Include href="cid:..."/>.
The input is streamed; neither the document nor any attachment is held in memory.

What becomes an attachment:
  <xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="file:photo.png"/>
      A placeholder, as the only child of an element: that element's content becomes the
      bytes of the file. A relative path is resolved against the directory of INPUT.xml
      (the current directory for stdin), and the file must be inside that directory
      (--base-dir widens it); "file:" is a URL, so %20 stands for a space.
  <xop:Include ... href="cid:NAME"/>
      The same, with the file given on the command line: --attach NAME=FILE.
  base64 text
      An element whose whole content is base64 text that decodes to more than --min-size
      bytes is decoded into a part (as WCF does with base64Binary content).
  The part's Content-Type is the element's xmime:contentType attribute if it has one, else
  --type, else a type guessed from the file extension, else application/octet-stream.

Everything else is copied: elements and attributes keep their prefixes and namespace
declarations (one already in scope is not repeated), text and attribute values are re-escaped,
CDATA sections stay CDATA (in an element whose base64 may become a part they are its text).
Comments and processing instructions are copied too (but not one beside an xop:Include, where
it would break XOP §3). Not copied: whitespace outside the root element.
A DOCTYPE is refused (SOAP forbids it). Input must be UTF-8.

Options:
  -o, --output FILE        write the message to FILE instead of stdout. The message is
                           written to a new temporary file beside FILE (.FILE.XXXX.partial)
                           and renamed to FILE when it is complete; on failure the temporary
                           file is removed and an existing FILE is kept. FILE may not be the
                           input document or an --attach file.
  -a, --attach NAME=FILE   the file for <xop:Include href="cid:NAME"/> (repeatable)
      --base-dir DIR       resolve file: hrefs against DIR and allow any file inside DIR
                           (default: the directory of INPUT.xml, or the current directory
                           for stdin); files outside it, through .., an absolute path or a
                           symbolic link, are refused
  -t, --type [REF=]TYPE    Content-Type of a file part; REF is a cid NAME or the href's
                           file: path. Without REF: for every file part (repeatable)
      --min-size N         base64 content decoding to more than N bytes becomes a part
                           (default 767, as WCF)
      --only NAME          optimize base64 content only in elements named NAME: local,
                           prefix:local or {namespace}local (repeatable)
      --no-base64          leave base64 text in the document; only placeholders become parts
      --soap12             SOAP 1.2: start-info="application/soap+xml" (default)
      --soap11             SOAP 1.1: start-info="text/xml"; --action is then printed as the
                           SOAPAction header instead of being put into the Content-Type
      --start-info TYPE    another media type for the XML inside
      --action URI         the SOAP action (SOAP 1.2: action="URI" in start-info)
      --boundary B         the MIME boundary: 1-70 characters of 0-9 A-Z a-z '()+_,-./:=?
                           and space (default: uuid: plus a random UUID)
      --start ID           Content-ID of the root part, without <> (default: generated)
      --mime-header        begin the message with MIME-Version and Content-Type headers
                           (for files and mail; leave it off when the message is an HTTP body)
      --8bit               Content-Transfer-Encoding: 8bit on the root part (as WCF sends)
      --print-content-type print only the Content-Type value: to stdout with -o, else to
                           stderr
      --progress           show the progress bar even when stderr is not a terminal
      --no-progress        never show the progress bar
      --scalar             use the scalar WebAssembly core instead of SIMD
  -q, --quiet              print nothing on success (errors are still printed)
  -h, --help               show this help

Output:
  The message goes to stdout (or FILE). Unless --quiet, stderr gets the MIME-Version,
  Content-Type and Content-Length headers to send it with over HTTP (and SOAPAction with
  --soap11 --action); a progress bar is shown on a terminal when the work takes a while.

Exit status: 0 done, 1 failed (the output is then never a complete message: it lacks the
closing boundary), 2 bad arguments, 130 interrupted.

Examples:
  mtom-stream pack envelope.xml -o message.mtom
  mtom-stream pack --soap11 --action urn:Upload envelope.xml -a report=report.pdf > msg.bin
  ct=$(mtom-stream pack envelope.xml -o message.mtom --print-content-type)
  curl -H "Content-Type: $ct" --data-binary @message.mtom https://example.com/service
`;

/** The start of a media type: type/subtype as RFC 2045 tokens, then the end or a parameter. */
const MEDIA_TYPE_START = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+\/[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:\s*;|$)/;

function pair(value: string, what: string): [string, string] {
  const at = value.indexOf('=');
  if (at <= 0 || at === value.length - 1)
    throw new UsageError(`${what} takes NAME=VALUE, got ${JSON.stringify(value)}`);
  return [value.slice(0, at), value.slice(at + 1)];
}

function integer(value: string, what: string): number {
  if (!/^\d{1,15}$/.test(value))
    throw new UsageError(`${what} takes a whole number of bytes, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** Parses the arguments after `pack`. Returns 'help' for -h/--help. */
export function parsePackArgs(args: string[]): PackOptions | 'help' {
  const parsed = (() => {
    try {
      return parseArgs({
        args,
        allowPositionals: true,
        strict: true,
        options: {
          output: { type: 'string', short: 'o' },
          attach: { type: 'string', short: 'a', multiple: true },
          'base-dir': { type: 'string' },
          type: { type: 'string', short: 't', multiple: true },
          'min-size': { type: 'string' },
          only: { type: 'string', multiple: true },
          'no-base64': { type: 'boolean' },
          soap11: { type: 'boolean' },
          soap12: { type: 'boolean' },
          'start-info': { type: 'string' },
          action: { type: 'string' },
          boundary: { type: 'string' },
          start: { type: 'string' },
          'mime-header': { type: 'boolean' },
          '8bit': { type: 'boolean' },
          'print-content-type': { type: 'boolean' },
          progress: { type: 'boolean' },
          'no-progress': { type: 'boolean' },
          scalar: { type: 'boolean' },
          quiet: { type: 'boolean', short: 'q' },
          help: { type: 'boolean', short: 'h' },
        },
      });
    } catch (error) {
      // parseArgs adds advice about '--' to unknown options; the first sentence is the message.
      throw new UsageError(
        (error instanceof Error ? error.message : String(error)).replace(/\. To specify a positional.*$/s, ''),
      );
    }
  })();
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length > 1) throw new UsageError(`pack takes one input document, got ${positionals.length}`);
  const soapVersions = [values.soap11, values.soap12, values['start-info'] !== undefined].filter(Boolean).length;
  if (soapVersions > 1) throw new UsageError('--soap11, --soap12 and --start-info exclude each other');
  if (values.progress && values['no-progress']) throw new UsageError('--progress and --no-progress exclude each other');
  if (values['no-base64'] && values['min-size'] !== undefined)
    throw new UsageError('--no-base64 and --min-size exclude each other');
  if (values.output === '') throw new UsageError('--output needs a file name');
  if (values['base-dir'] === '') throw new UsageError('--base-dir needs a directory');

  const attach = new Map<string, string>();
  for (const value of values.attach ?? []) {
    const [name, file] = pair(value, '--attach');
    if (attach.has(name)) throw new UsageError(`--attach ${name} is given twice`);
    attach.set(name, file);
  }
  const types = new Map<string, string>();
  let defaultType: string | undefined;
  for (const value of values.type ?? []) {
    // A bare media type (token/token, parameters allowed) is the default; else REF=TYPE, split at the first '='.
    if (MEDIA_TYPE_START.test(value)) {
      if (defaultType !== undefined) throw new UsageError('--type without REF= is given twice');
      defaultType = value;
    } else {
      const [ref, type] = pair(value, '--type');
      types.set(ref.replace(/^(?:cid|file):/, ''), type);
    }
  }
  return {
    input: positionals[0] ?? '-',
    output: values.output,
    baseDir: values['base-dir'],
    attach,
    types,
    defaultType,
    minSize: values['no-base64'] ? undefined : integer(values['min-size'] ?? '767', '--min-size'),
    only: values.only ?? [],
    startInfo: values['start-info'] ?? (values.soap11 ? 'text/xml' : 'application/soap+xml'),
    soap11: values.soap11 ?? false,
    action: values.action,
    boundary: values.boundary,
    start: values.start,
    mimeHeader: values['mime-header'] ?? false,
    rootTransferEncoding: values['8bit'] ? '8bit' : 'binary',
    printContentType: values['print-content-type'] ?? false,
    quiet: values.quiet ?? false,
    progress: values.progress ? 'always' : values['no-progress'] ? 'never' : 'auto',
    simd: values.scalar ? false : undefined,
  };
}

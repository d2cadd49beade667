/**
 * A MIME part's identity and extra headers, chosen by the caller: its Content-ID (RFC 2392, and
 * the `cid:` URL that names it), Content-Disposition with a file name (RFC 6266 §4, RFC 8187 for
 * non-ASCII names), Content-Location (RFC 2557 §4) and Content-Description (RFC 2045 §8). Every
 * value is checked so that nobody can inject a header or break a reader; each header line stays
 * within RFC 5322 §2.1.1's 998 characters.
 */
import { invalidArg } from './errors.js';
import { quote } from './headers.js';
import { isWellFormedString } from './xml-text.js';

/** What a caller may say about a part (pushBytes, pullBytes, writeAttachment, writeBytes). */
export interface PartHeaderOptions {
  /**
   * The part's Content-ID, without angle brackets; unique in the message (E_INVALIDARG if not).
   * Default: generated (`N.` + the root part's ID). The xop:Include's href is its `cid:` URL,
   * escaped per RFC 2392.
   */
  contentId?: string;
  /** A file name: `Content-Disposition: attachment; filename=…` (RFC 6266), `filename*` when non-ASCII (RFC 8187). */
  filename?: string;
  /** `Content-Location`: a URI for the part (RFC 2557 §4). */
  contentLocation?: string;
  /** `Content-Description`: printable ASCII text (RFC 2045 §8). */
  contentDescription?: string;
}

/** The caller's part headers, checked and formatted. */
export interface ResolvedPartHeaders {
  /** The Content-ID, checked; undefined to let the writer choose. */
  contentId: string | undefined;
  /** The extra header lines, each ending in CRLF; '' for none. */
  extraHeaders: string;
}

export const NO_PART_HEADERS: ResolvedPartHeaders = Object.freeze({ contentId: undefined, extraHeaders: '' });

/**
 * A Content-ID: the inside of an RFC 5322 msg-id, loosely (WCF's IDs are URIs, node-soap's bare
 * names): visible ASCII without the characters that would end or break `<…>` in a header, and
 * without `%`, which JAX-WS and mimepull URL-decode in the Content-ID header itself.
 */
const CONTENT_ID = /^[!#-$&-'*-+\-./0-9:=?-Z[\]^-~]{1,256}$/;
/** Characters a `cid:` URL carries as they are; the others are %-escaped (RFC 2392 §2, RFC 3986 §2). */
const URL_SAFE = /[A-Za-z0-9\-._~!$&'()*+,;=:@/]/;
/** A Content-ID made only of such characters: its `cid:` URL is the ID as it is. */
const ALL_URL_SAFE = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;
/** RFC 8187 attr-char: what `filename*` carries without %-escaping. */
const ATTR_CHAR = /[A-Za-z0-9!#$&+\-.^_`|~]/;
/** A URI reference's characters (RFC 3986 §2), with %-escapes. */
const URI_REFERENCE = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/?#[\]%]{1,998}$/;
/** Printable ASCII and space, as RFC 2045 §8 *text allows unencoded. */
const DESCRIPTION = /^[\x20-\x7E]{0,998}$/;
/** RFC 5322 §2.1.1: a header line is at most 998 characters before its CRLF. */
const MAX_LINE = 998;
const MAX_FILENAME = 255;

const encoder = new TextEncoder();

/** Checks a caller's Content-ID (RFC 2392: the part's Content-ID without angle brackets). */
export function checkPartContentId(value: unknown): string {
  if (typeof value !== 'string' || !CONTENT_ID.test(value)) {
    throw invalidArg(
      `contentId ${JSON.stringify(value)} must be 1–256 visible ASCII characters without < > ( ) , ; % \\ " or space`,
    );
  }
  return value;
}

/** The `cid:` URL of a Content-ID (RFC 2392 §2): characters a URL cannot carry are %-escaped. */
export function cidUrl(contentId: string): string {
  if (ALL_URL_SAFE.test(contentId)) return `cid:${contentId}`;
  let url = 'cid:';
  for (const char of contentId) url += URL_SAFE.test(char) ? char : percentEncode(char);
  return url;
}

/** Checks the caller's part headers and formats the extra ones. */
export function resolvePartHeaders(options: PartHeaderOptions): ResolvedPartHeaders {
  const { contentId, filename, contentLocation, contentDescription } = options;
  if (
    contentId === undefined &&
    filename === undefined &&
    contentLocation === undefined &&
    contentDescription === undefined
  ) {
    return NO_PART_HEADERS;
  }
  let extraHeaders = '';
  if (filename !== undefined) extraHeaders += line(`Content-Disposition: attachment; ${filenameParameters(filename)}`);
  if (contentLocation !== undefined) {
    if (typeof contentLocation !== 'string' || !URI_REFERENCE.test(contentLocation)) {
      throw invalidArg(
        `contentLocation ${JSON.stringify(contentLocation)} must be a URI (RFC 3986 characters, %-escaped)`,
      );
    }
    extraHeaders += line(`Content-Location: ${contentLocation}`);
  }
  if (contentDescription !== undefined) {
    if (typeof contentDescription !== 'string' || !DESCRIPTION.test(contentDescription)) {
      throw invalidArg(
        `contentDescription ${JSON.stringify(contentDescription)} must be printable ASCII (no CR, LF or control characters)`,
      );
    }
    extraHeaders += line(`Content-Description: ${contentDescription}`);
  }
  return { contentId: contentId === undefined ? undefined : checkPartContentId(contentId), extraHeaders };
}

/**
 * `filename="…"` for an ASCII name; for any other, an ASCII stand-in in `filename` followed by
 * `filename*=UTF-8''…` (RFC 6266 §4.3: senders give both, recipients prefer `filename*`).
 */
function filenameParameters(filename: unknown): string {
  if (
    typeof filename !== 'string' ||
    filename.length === 0 ||
    filename.length > MAX_FILENAME ||
    hasControl(filename) ||
    !isWellFormedString(filename)
  ) {
    throw invalidArg(
      `filename ${JSON.stringify(filename)} must be 1–${MAX_FILENAME} characters without control characters`,
    );
  }
  if (/^[\x20-\x7E]*$/.test(filename)) return `filename=${quote(filename)}`;
  const fallback = filename.replace(/[^\x20-\x7E]/gu, '_');
  let extended = '';
  for (const char of filename) extended += ATTR_CHAR.test(char) ? char : percentEncode(char);
  return `filename=${quote(fallback)}; filename*=UTF-8''${extended}`;
}

/** Whether `text` holds a C0 control or DEL, which never belong in a file name. */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

function line(header: string): string {
  if (header.length > MAX_LINE) {
    throw invalidArg(
      `the part header "${header.slice(0, 40)}…" would be longer than ${MAX_LINE} characters (RFC 5322 §2.1.1)`,
    );
  }
  return `${header}\r\n`;
}

/** `%HH` for each UTF-8 byte of `char` (RFC 3986 §2.1, upper-case hex). */
function percentEncode(char: string): string {
  let escaped = '';
  for (const byte of encoder.encode(char)) escaped += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return escaped;
}

/** The Content-IDs of one message, which must differ (RFC 2045 §7: world-unique): the root part's and every part's. */
export class ContentIds {
  /** The first ID (the root part's, with MTOM); most messages have few more. */
  private first: string | undefined;
  /** Every later ID, once there is one. */
  private rest: Set<string> | undefined;

  /** Marks an ID the writer chose (the root part's, or a generated one) as used. */
  add(id: string): void {
    if (this.first === undefined) this.first = id;
    else if (this.rest === undefined) this.rest = new Set([id]);
    else this.rest.add(id);
  }

  has(id: string): boolean {
    return id === this.first || this.rest?.has(id) === true;
  }

  /** Claims a caller's Content-ID: E_INVALIDARG if the message already uses it. */
  claim(id: string): string {
    if (this.has(id)) throw invalidArg(`the Content-ID ${JSON.stringify(id)} is already used in this message`);
    this.add(id);
    return id;
  }
}

/**
 * Validation and quoting of every caller-supplied MIME header value, so that nobody can inject a
 * header or break a reader: boundary (RFC 2046 §5.1.1), media types (RFC 2045 §5.1), Content-IDs
 * (RFC 2392, restricted as docs/wire-format.md §6 asks) and quoted-string parameters (RFC 2045 §5.1,
 * RFC 822 quoted-string).
 */
import { invalidArg } from './errors.js';

/** RFC 2046 §5.1.1 bchars: 1–70 characters, the last one not a space. */
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;

/** RFC 2045 §5.1 token. */
const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
/** RFC 822 quoted-string over printable ASCII. */
const QUOTED = '"(?:[\\x20\\x21\\x23-\\x5B\\x5D-\\x7E]|\\\\[\\x20-\\x7E])*"';
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(?:[ \\t]*;[ \\t]*${TOKEN}=(?:${TOKEN}|${QUOTED}))*$`);

/**
 * Content-IDs: characters a cid: URL carries without escaping (docs/wire-format.md §6), so that the
 * href is exactly `cid:` + ID and no reader has to guess about `%40` versus `@`.
 */
const CONTENT_ID = /^[A-Za-z0-9\-._~!$'*+=:/]+(?:@[A-Za-z0-9\-._~!$'*+=:/]+)?$/;

/** Printable ASCII, no quote or backslash: safe inside a quoted-string once escaped. */
const PARAMETER_TEXT = /^[\x20-\x7E]*$/;

export function checkBoundary(boundary: string): string {
  if (typeof boundary !== 'string' || !BOUNDARY.test(boundary)) {
    throw invalidArg(
      `boundary ${JSON.stringify(boundary)} is not 1–70 characters of RFC 2046 bchars (0-9 A-Z a-z '()+_,-./:=? and space, not ending in a space)`,
    );
  }
  return boundary;
}

/** Media types already checked: a service sends the same few with every message. */
const knownMediaTypes = new Set<string>();
const KNOWN_MEDIA_TYPES_LIMIT = 256;

export function checkMediaType(value: string, what: string): string {
  if (knownMediaTypes.has(value)) return value;
  if (typeof value !== 'string' || value.length > 1024 || !MEDIA_TYPE.test(value)) {
    throw invalidArg(`${what} ${JSON.stringify(value)} is not a valid media type (RFC 2045 §5.1)`);
  }
  if (knownMediaTypes.size < KNOWN_MEDIA_TYPES_LIMIT) knownMediaTypes.add(value);
  return value;
}

export function checkContentId(value: string, what: string): string {
  if (typeof value !== 'string' || value.length > 256 || !CONTENT_ID.test(value)) {
    throw invalidArg(
      `${what} ${JSON.stringify(value)} must be 1–256 characters from A-Z a-z 0-9 - . _ ~ ! $ ' * + = : / with at most one @`,
    );
  }
  return value;
}

export function checkParameterText(value: string, what: string): string {
  if (typeof value !== 'string' || value.length > 1024 || !PARAMETER_TEXT.test(value)) {
    throw invalidArg(`${what} ${JSON.stringify(value)} must be printable ASCII (no CR, LF or control characters)`);
  }
  return value;
}

/** An RFC 822 quoted-string: `"` and `\` escaped with a backslash. */
export function quote(value: string): string {
  if (value.indexOf('"') < 0 && value.indexOf('\\') < 0) return `"${value}"`;
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/** Entropy drawn from the platform's CSPRNG (Web Crypto) in batches, as Node's randomUUID does. */
const entropy = new Uint8Array(4096);
let entropyUsed = entropy.length;

/** Two lower-case hex digits for each byte value. */
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** Where the next `bytes` random bytes start in `entropy`, refilling it first if it runs short. */
function takeEntropy(bytes: number): number {
  if (entropyUsed + bytes > entropy.length) {
    crypto.getRandomValues(entropy);
    entropyUsed = 0;
  }
  const at = entropyUsed;
  entropyUsed += bytes;
  return at;
}

/** Random hex from the platform's CSPRNG (Web Crypto, in browsers and Node ≥ 20). */
export function randomHex(bytes: number): string {
  const at = takeEntropy(bytes);
  let hex = '';
  for (let i = at; i < at + bytes; i++) hex += HEX[entropy[i]];
  return hex;
}

/**
 * The default boundary: `uuid:` and a random (version 4) UUID, 122 bits of entropy, in the
 * lower-case form crypto.randomUUID gives (RFC 9562 §5.4: version 4, variant 10).
 */
export function randomBoundary(): string {
  const at = takeEntropy(16);
  const b = (i: number) => HEX[entropy[at + i]];
  const version = HEX[(entropy[at + 6] & 0x0f) | 0x40];
  const variant = HEX[(entropy[at + 8] & 0x3f) | 0x80];
  return (
    `uuid:${b(0)}${b(1)}${b(2)}${b(3)}-${b(4)}${b(5)}-${version}${b(7)}-${variant}${b(9)}-` +
    `${b(10)}${b(11)}${b(12)}${b(13)}${b(14)}${b(15)}`
  );
}

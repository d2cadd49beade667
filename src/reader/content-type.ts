/**
 * Content-Type values (RFC 2045 §5.1): a media type and its parameters, parsed leniently where
 * deployed stacks differ (any case, any order, spaces or none, quoted or token values, escaped
 * quotes inside quoted strings) and strictly where a mistake would misread the body (the
 * boundary, RFC 2046 §5.1.1).
 */
import { readerInvalidFormat } from './errors.js';

export interface MediaType {
  /** `type/subtype`, lower case. */
  type: string;
  /** Parameters by lower-case name; values unquoted and unescaped. */
  parameters: Map<string, string>;
}

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;
const SPACE = /[ \t]*/y;
// An unquoted value, leniently: RFC 2045 wants a token, but stacks send `type=application/xop+xml`.
const BARE_VALUE = /[^;\s"]+/y;

/** Parses a Content-Type value; WS_E_INVALID_FORMAT when it has no `type/subtype`. */
export function parseMediaType(value: string): MediaType {
  let at = 0;
  const token = (): string | undefined => {
    TOKEN.lastIndex = at;
    const match = TOKEN.exec(value);
    if (!match) return undefined;
    at = TOKEN.lastIndex;
    return match[0];
  };
  const skipSpace = () => {
    SPACE.lastIndex = at;
    SPACE.exec(value);
    at = SPACE.lastIndex;
  };
  skipSpace();
  const type = token();
  if (type === undefined || value[at] !== '/') throw readerInvalidFormat(`"${value}" is not a media type`);
  at++;
  const subtype = token();
  if (subtype === undefined) throw readerInvalidFormat(`"${value}" is not a media type`);
  const parameters = new Map<string, string>();
  for (;;) {
    skipSpace();
    if (at >= value.length) break;
    if (value[at] !== ';') throw readerInvalidFormat(`unexpected "${value[at]}" in the media type "${value}"`);
    at++;
    skipSpace();
    if (at >= value.length) break; // a trailing ";"
    const name = token();
    if (name === undefined || value[at] !== '=') throw readerInvalidFormat(`a malformed parameter in "${value}"`);
    at++;
    let parameter: string;
    if (value[at] === '"') {
      // quoted-string (RFC 822 §3.3): backslash escapes the next character
      let text = '';
      at++;
      for (;;) {
        if (at >= value.length) throw readerInvalidFormat(`an unterminated quoted string in "${value}"`);
        const c = value[at++];
        if (c === '"') break;
        text += c === '\\' && at < value.length ? value[at++] : c;
      }
      parameter = text;
    } else {
      BARE_VALUE.lastIndex = at;
      const match = BARE_VALUE.exec(value);
      if (!match) throw readerInvalidFormat(`a parameter without a value in "${value}"`);
      at = BARE_VALUE.lastIndex;
      parameter = match[0];
    }
    const key = name.toLowerCase();
    if (!parameters.has(key)) parameters.set(key, parameter);
  }
  return { type: `${type}/${subtype}`.toLowerCase(), parameters };
}

// RFC 2046 §5.1.1: bchars := bcharsnospace / " "
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;

/** Checks a boundary: 1 to 70 characters RFC 2046 §5.1.1 allows, not ending with a space. */
export function checkBoundary(boundary: string): string {
  if (boundary.length > 70)
    throw readerInvalidFormat(`the boundary is ${boundary.length} characters; RFC 2046 allows 70`);
  if (!BOUNDARY.test(boundary))
    throw readerInvalidFormat(`the boundary "${boundary}" has characters RFC 2046 §5.1.1 does not allow`);
  return boundary;
}

/** A Content-ID or `start` value without its angle brackets and surrounding space (RFC 2392). */
export function bareContentId(value: string): string {
  const trimmed = value.trim();
  return trimmed.startsWith('<') && trimmed.endsWith('>') ? trimmed.slice(1, -1).trim() : trimmed;
}

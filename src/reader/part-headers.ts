/**
 * A MIME header block (RFC 2045 §3, RFC 822 §3.1): `Name: value` lines ending in CRLF, folded
 * lines joined, names in any case. The reader keeps them as given and looks them up by lower-case
 * name.
 */
import { readerInvalidFormat } from './errors.js';

export type PartHeaders = Map<string, string>;

const FIELD = /^([!-9;-~]+)[ \t]*:[ \t]*(.*)$/;

/** Parses the header block's text (without the blank line that ends it). */
export function parseHeaderBlock(text: string): PartHeaders {
  const headers: PartHeaders = new Map();
  if (text === '') return headers;
  const lines = text.split('\r\n');
  let current: string | undefined;
  const fields: string[] = [];
  for (const line of lines) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && current !== undefined) {
      current += ` ${line.trim()}`; // unfolding, RFC 822 §3.1.1
      continue;
    }
    if (current !== undefined) fields.push(current);
    current = line;
  }
  if (current !== undefined) fields.push(current);
  for (const field of fields) {
    const match = FIELD.exec(field);
    if (!match) throw readerInvalidFormat(`a malformed MIME header line: "${field.slice(0, 80)}"`);
    const name = match[1].toLowerCase();
    const value = match[2].trim();
    if (headers.has(name)) {
      if (name === 'content-id' || name === 'content-type' || name === 'content-transfer-encoding') {
        throw readerInvalidFormat(`a MIME part has two ${match[1]} headers`);
      }
      continue;
    }
    headers.set(name, value);
  }
  return headers;
}

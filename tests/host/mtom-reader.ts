/**
 * Test helpers: reads an MTOM message with an independent multipart parser
 * (@mjackson/multipart-parser) and rebuilds the XML the way an XOP receiver does (XOP §3.2:
 * each xop:Include replaced by the canonical base64 of the part it references).
 */
import { parseMultipart } from '@mjackson/multipart-parser';

export interface ParsedPart {
  headers: Record<string, string>;
  bytes: Uint8Array;
}

export interface ParsedMessage {
  boundary: string;
  start: string;
  parts: ParsedPart[];
}

/** Reads one parameter of a Content-Type value (quoted-string aware, RFC 2045 §5.1). */
export function contentTypeParameter(contentType: string, name: string): string | undefined {
  const pattern = new RegExp(`;\\s*${name}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]+))`, 'i');
  const match = pattern.exec(contentType);
  if (!match) return undefined;
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : match[2];
}

export function parseMtom(message: Uint8Array, contentType: string): ParsedMessage {
  const boundary = contentTypeParameter(contentType, 'boundary');
  const start = contentTypeParameter(contentType, 'start');
  if (!boundary || !start) throw new Error(`no boundary or start in ${contentType}`);
  const parts: ParsedPart[] = [];
  for (const part of parseMultipart(message, { boundary })) {
    const headers: Record<string, string> = {};
    part.headers.forEach((value: string, key: string) => {
      headers[key.toLowerCase()] = value;
    });
    parts.push({ headers, bytes: part.bytes.slice() });
  }
  return { boundary, start, parts };
}

const INCLUDE = /<xop:Include xmlns:xop="http:\/\/www\.w3\.org\/2004\/08\/xop\/include" href="cid:([^"]+)"\/>/g;

/** The root part's XML with every xop:Include replaced by the base64 of its part. */
export function rebuildXml(parsed: ParsedMessage): string {
  const byId = new Map<string, Uint8Array>();
  for (const part of parsed.parts.slice(1)) byId.set(part.headers['content-id'], part.bytes);
  const xml = new TextDecoder('utf-8', { fatal: true }).decode(parsed.parts[0].bytes);
  return xml.replace(INCLUDE, (_, id: string) => {
    const bytes = byId.get(`<${id}>`);
    if (!bytes) throw new Error(`no part for cid:${id}`);
    byId.delete(`<${id}>`);
    return Buffer.from(bytes).toString('base64');
  });
}

/** Collects what an output callback receives, copying each view (they are lent). */
export function collectingOutput(): {
  output: (buffers: readonly Uint8Array[]) => void;
  bytes: () => Uint8Array;
  calls: number[];
} {
  const chunks: Uint8Array[] = [];
  const calls: number[] = [];
  return {
    output(buffers) {
      calls.push(buffers.length);
      for (const b of buffers) chunks.push(b.slice());
    },
    bytes: () => Buffer.concat(chunks),
    calls,
  };
}

export const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

/** Deterministic pseudo-random bytes (xorshift32). */
export function randomBytes(length: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  let x = seed || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

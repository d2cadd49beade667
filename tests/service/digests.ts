/**
 * Reading the digest service's answer: one `<d:part name size sha256 xop/>` per binary element
 * of the request, in document order (see MtomDigestService.java).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';

export const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';

export interface PartDigest {
  name: string;
  size: number;
  sha256: string;
  /** True when the service read the content from an attachment part (xop:Include), false when inline. */
  xop: boolean;
  /** The attachment part's Content-Type ('' when inline). */
  type: string;
}

/** An attachment part as the service's MIME parser read it. */
export interface ReceivedAttachment {
  /** Its Content-ID, as Metro reports it. */
  contentId: string;
  /** Its MIME headers, by lower-case name, values trimmed. */
  headers: Record<string, string>;
}

export interface Digests {
  /** The request's Content-Length as the service received it; undefined when it came chunked. */
  contentLength: number | undefined;
  /** The SOAP action the service took from the request; undefined for none. */
  action: string | undefined;
  parts: PartDigest[];
  attachments: ReceivedAttachment[];
}

/** The digests in a response body (plain SOAP or an MTOM multipart; the answer is ASCII either way). */
export function parseDigests(body: string): Digests {
  if (/<(\w+:)?Fault\b/.test(body)) throw new Error(`the service answered with a fault:\n${body}`);
  const digests = [...body.matchAll(/<d:part ([^>]*)\/>/g)].map(([, attributes]) => {
    const value = (name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(attributes)![1];
    return {
      name: value('name'),
      size: Number(value('size')),
      sha256: value('sha256'),
      xop: value('xop') === 'true',
      type: decodeXml(value('type')),
    };
  });
  const root = /<d:Digests [^>]*\bcontentLength="([^"]*)" action="([^"]*)"/.exec(body);
  assert.ok(root, `no Digests element in the answer:\n${body.slice(0, 2000)}`);
  const attachments = [...body.matchAll(/<d:attachment contentId="([^"]*)">(.*?)<\/d:attachment>/g)].map(
    ([, contentId, list]) => ({
      contentId: decodeXml(contentId),
      headers: Object.fromEntries(
        [...list.matchAll(/<d:header name="([^"]*)" value="([^"]*)"\/>/g)].map(([, name, value]) => [
          decodeXml(name).toLowerCase(),
          // mimepull keeps the space after the colon of some fields; it is not part of the value.
          decodeXml(value).trim(),
        ]),
      ),
    }),
  );
  return {
    contentLength: root[1] === 'none' ? undefined : Number(root[1]),
    action: root[2] === 'none' ? undefined : decodeXml(root[2]),
    parts: digests,
    attachments,
  };
}

function decodeXml(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&amp;/g, '&');
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Asserts that the service saw exactly `sent` (by element name, in order), as parts or inline. */
export function assertDigests(
  { parts: actual }: Digests,
  sent: { name: string; bytes: Uint8Array; xop?: boolean }[],
): void {
  assert.deepEqual(
    actual.map(({ name, size, sha256: digest }) => ({ name, size, sha256: digest })),
    sent.map(({ name, bytes }) => ({ name, size: bytes.length, sha256: sha256(bytes) })),
  );
  for (const [i, { xop }] of sent.entries()) {
    if (xop !== undefined) assert.equal(actual[i].xop, xop, `${sent[i].name}: sent ${xop ? 'as a part' : 'inline'}`);
  }
}

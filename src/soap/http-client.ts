/**
 * A node-soap `httpClient` that sends each request as streamed MTOM through this library: the
 * envelope node-soap built is copied by writeXml, its `<xop:Include href="cid:ID"/>` placeholders
 * take the attachments given in node-soap's `attachments` option (by `contentId`), each part keeps
 * node-soap's Content-ID and file name, and the request goes over node:http with the exact
 * Content-Length when every size is known, else chunked.
 *
 * node-soap calls `request(url, data, callback, headers, options, client)` (lib/http.js): `data`
 * null is a GET (a WSDL or schema fetch), a string is the envelope; `headers` carry the SOAP 1.1
 * SOAPAction, or the SOAP 1.2 action in the Content-Type.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { IHttpClient } from 'soap';
import { invalidArg } from '../errors.js';
import { requestMessage, type RequestMessageOptions } from '../node-http.js';
import { writeAttachment, type NodeAttachmentSource } from '../node-sources.js';
import type { MtomEncodingOptions } from '../options.js';
import { resolvePartHeaders } from '../part-headers.js';
import type { XmlWriter } from '../xml-writer.js';
import { FileTextStore } from '../xml/file-store.js';
import { copyXml, type WriteXmlHost } from '../xml/write-xml.js';

/** node-soap's attachment (lib/http.js), whose `body` may also be any Node attachment source. */
export interface SoapAttachment {
  /** The part's Content-ID, which the envelope's `<xop:Include href="cid:…"/>` names (RFC 2392). */
  contentId: string;
  /** The part's Content-Type. Default application/octet-stream (or the element's xmime:contentType). */
  mimetype?: string;
  /** A file name: `Content-Disposition: attachment; filename=…` (RFC 6266, RFC 8187 when non-ASCII). */
  name?: string;
  /** A Buffer or Uint8Array, `{ path }`, a FileHandle, a Node Readable, a Blob, a ReadableStream, … */
  body: NodeAttachmentSource;
  /** The byte count of a stream body, so that the request gets a Content-Length. */
  size?: number;
}

export interface MtomHttpClientOptions {
  /** MTOM settings beyond what node-soap's headers decide (startInfo and action come from them). */
  mtom?: Omit<MtomEncodingOptions, 'type' | 'startInfo' | 'action' | 'writeMimeHeader'>;
  /** Base64 text in the envelope decoding to at least this many bytes becomes a part. Default: never. */
  minPartSize?: number;
  /** Other requestMessage options: `request` (agent, …), `ringSize`, `onTransferProgress`, `signal`. */
  requestOptions?: Omit<RequestMessageOptions, 'encoding' | 'headers'>;
}

/** The response as node-soap reads it (axios-shaped: data, status, headers, config.headers). */
export interface MtomHttpResponse {
  data: string;
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  config: { headers: Record<string, string | number | string[] | undefined> };
}

type Callback = (error: unknown, response?: MtomHttpResponse, body?: string) => unknown;
type HeaderMap = Record<string, string | number | string[] | undefined>;

export class MtomHttpClient implements IHttpClient {
  constructor(private readonly options: MtomHttpClientOptions = {}) {}

  request(
    rurl: string,
    data: unknown,
    callback: Callback,
    exheaders: HeaderMap = {},
    exoptions: { attachments?: SoapAttachment[]; timeout?: number } & Record<string, unknown> = {},
  ): ReturnType<IHttpClient['request']> {
    const sent =
      data === null || data === undefined ? this.get(rurl, exheaders) : this.post(rurl, data, exheaders, exoptions);
    const settled = sent.then(
      (response) => {
        callback(null, response, response.data);
        return response;
      },
      (error: unknown) => {
        callback(error);
        throw error;
      },
    );
    settled.catch(() => {});
    return settled as unknown as ReturnType<IHttpClient['request']>;
  }

  private async post(
    rurl: string,
    data: unknown,
    exheaders: HeaderMap,
    exoptions: { attachments?: SoapAttachment[]; timeout?: number },
  ): Promise<MtomHttpResponse> {
    if (typeof data !== 'string') throw invalidArg('the envelope node-soap hands over is a string');
    const attachments = new Map<string, SoapAttachment>();
    for (const attachment of exoptions.attachments ?? []) {
      if (typeof attachment?.contentId !== 'string') throw invalidArg('a node-soap attachment has a contentId string');
      if (attachments.has(attachment.contentId))
        throw invalidArg(`two attachments have the contentId "${attachment.contentId}"`);
      // Checked before anything is sent: the part keeps node-soap's Content-ID and file name.
      resolvePartHeaders({ contentId: attachment.contentId, filename: attachment.name });
      attachments.set(attachment.contentId, attachment);
    }
    const { contentType, headers } = splitHeaders(exheaders);
    const startInfo = contentType?.split(';')[0].trim() || 'text/xml';
    // SOAP 1.2 (RFC 3902 §1): the action is a parameter of application/soap+xml.
    const action = /;\s*action\s*=\s*"?([^";]*)"?/i.exec(contentType ?? '')?.[1];
    const host: WriteXmlHost<SoapAttachment> = {
      writeAttachment: (writer, attachment) =>
        writeAttachment(writer, attachment.body, {
          contentType: attachment.mimetype,
          size: attachment.size,
          contentId: attachment.contentId,
          filename: attachment.name,
        }),
      createStore: () => new FileTextStore(),
    };
    const { requestOptions = {} } = this.options;
    let copyFailed = false;
    let copyError: unknown;
    const copy = async (writer: XmlWriter) => {
      try {
        const result = await copyXml(writer, data, { attachments, minPartSize: this.options.minPartSize }, host);
        if (result.unusedAttachments.length > 0) {
          // XOP §3: every part is referenced from the root part; an orphan would be ignored at best.
          const error = invalidArg(
            `no xop:Include in the envelope refers to the attachment(s) ${result.unusedAttachments.join(', ')}`,
          );
          writer.abort(error);
          throw error;
        }
      } catch (error) {
        copyFailed = true;
        copyError = error;
        throw error;
      }
    };
    const response = await requestMessage(rurl, copy, {
      ...requestOptions,
      encoding: {
        ...this.options.mtom,
        type: 'mtom',
        startInfo,
        action: startInfo === 'application/soap+xml' ? action : undefined,
      },
      headers,
      request: { ...requestOptions.request, ...(exoptions.timeout !== undefined && { timeout: exoptions.timeout }) },
    }).catch((error: unknown) => {
      // The copy's own error (a missing attachment, malformed XML), not the abort it caused.
      throw copyFailed ? copyError : error;
    });
    const body = await readText(response);
    return {
      data: envelopeOf(body),
      status: response.statusCode ?? 0,
      statusText: response.statusMessage ?? '',
      headers: response.headers,
      config: { headers: { ...headers, 'Content-Type': contentType } },
    };
  }

  /** node-soap fetches WSDL and schemas through its httpClient with `data` null. */
  private async get(rurl: string, exheaders: HeaderMap): Promise<MtomHttpResponse> {
    const { headers } = splitHeaders(exheaders);
    const response = await fetch(rurl, { headers: toFetchHeaders(headers) });
    const data = await response.text();
    const responseHeaders: IncomingHttpHeaders = {};
    response.headers.forEach((value, name) => {
      responseHeaders[name] = value;
    });
    return {
      data,
      status: response.status,
      statusText: response.statusText,
      headers: responseHeaders,
      config: { headers },
    };
  }
}

function splitHeaders(exheaders: HeaderMap): { contentType: string | undefined; headers: HeaderMap } {
  let contentType: string | undefined;
  const headers: HeaderMap = {};
  for (const [name, value] of Object.entries(exheaders)) {
    const lower = name.toLowerCase();
    if (lower === 'content-type') contentType = String(value);
    else if (lower !== 'content-length') headers[name] = value;
  }
  return { contentType, headers };
}

function toFetchHeaders(headers: HeaderMap): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name] = String(value);
  return out;
}

async function readText(stream: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The SOAP envelope inside a response, as node-soap's own client takes it (lib/http.js
 * handleResponse): an MTOM response's root part holds it between the MIME framing.
 */
function envelopeOf(body: string): string {
  const match = /(?:<\?[^?]*\?>[\s]*)?<([^:]*):Envelope([\S\s]*)<\/\1:Envelope>/i.exec(
    body.replace(/<!--[\s\S]*?-->/, ''),
  );
  return match ? match[0] : body;
}

/**
 * Sending a message over node:http / node:https: the prepare step of src/http-message.ts, then
 * http.request as the transport.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { invalidHeader, MESSAGE_HEADERS, prepareMessage, RequestOutcome, type BuildMessage } from './http-message.js';
import { queueToNodeReadable } from './node-streams.js';
import type { XmlWriterStreamOptions } from './streams.js';

export interface RequestMessageOptions extends XmlWriterStreamOptions {
  /** Request options (agent, timeout, …) merged over the URL's. Method default `POST`. */
  request?: http.RequestOptions;
  /**
   * Extra request headers (Authorization; SOAPAction for SOAP 1.1). Content-Type, MIME-Version
   * and Content-Length are set from the writer and override these.
   */
  headers?: http.OutgoingHttpHeaders;
}

/**
 * Writes a message with `build` and sends it with http.request (https.request for https:),
 * with Content-Length when the length is known before the first byte, else chunked. Resolves
 * with the response once it has arrived; the caller consumes its body. An answer that comes
 * before the whole message was sent (401, 413) is returned at once and the writer is aborted.
 * Rejects with the first failure (build's, the writer's, or the transport's); on a writer failure
 * the request is destroyed, so the server sees a truncated body with no close delimiter.
 */
export async function requestMessage(
  target: string | URL,
  build: BuildMessage,
  options: RequestMessageOptions = {},
): Promise<http.IncomingMessage> {
  const { request: requestOptions, headers: extra, ...writerOptions } = options;
  const url = new URL(target);
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(extra ?? {})) {
    if (MESSAGE_HEADERS.includes(name.toLowerCase()) || value === undefined) continue;
    try {
      http.validateHeaderName(name);
      http.validateHeaderValue(name, value as string);
    } catch (error) {
      throw invalidHeader(error);
    }
    headers[name] = value;
  }
  const message = await prepareMessage(build, writerOptions);
  Object.assign(headers, message.headers);
  const outcome = new RequestOutcome(message, options.signal);
  const send = url.protocol === 'https:' ? https.request : http.request;
  let request: http.ClientRequest;
  try {
    const signal = options.signal ?? requestOptions?.signal;
    request = send(url, { method: 'POST', ...requestOptions, headers, signal });
  } catch (error) {
    outcome.transportFailed(error);
    throw outcome.failure(error);
  }
  let answered = false;
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    request.once('response', resolve);
    request.on('error', (error) => {
      if (answered) return;
      outcome.transportFailed(error);
      reject(error);
    });
  });
  const readable = queueToNodeReadable(message.queue);
  // A writer failure destroys the request, so the server sees a truncated body.
  readable.on('error', (error) => {
    if (!answered) request.destroy(error);
  });
  readable.pipe(request);
  let incoming: http.IncomingMessage;
  try {
    incoming = await response;
  } catch (error) {
    throw outcome.failure(error);
  } finally {
    response.catch(() => {});
  }
  answered = true;
  // A request whose body was cut short cannot be followed by another on its connection: close it
  // once the answer has been read.
  incoming.once('close', () => {
    if (!request.writableFinished) request.destroy();
  });
  // The server stopped reading: stop writing.
  const failed = await outcome.answered(incoming.statusCode ?? 0, () => readable.unpipe(request));
  if (failed) {
    incoming.destroy();
    throw failed.failure;
  }
  return incoming;
}

/**
 * `mtom-stream/soap`: a node-soap (npm `soap`) `httpClient` that sends requests as streamed MTOM.
 *
 *   const client = await soap.createClientAsync(wsdl, { httpClient: new MtomHttpClient() });
 *   const scan = { contentId: 'scan', mimetype: 'application/pdf', body: { path: 'scan.pdf' } };
 *   await client.UploadAsync(args, { attachments: [scan] });
 */
export {
  MtomHttpClient,
  type MtomHttpClientOptions,
  type MtomHttpResponse,
  type SoapAttachment,
} from './http-client.js';

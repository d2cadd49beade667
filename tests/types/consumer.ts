// What a TypeScript project writes against the package, resolved as a consumer resolves it
// ('mtom-stream' through package.json exports to dist/*.d.ts). It must compile without errors.
import {
  createXmlWriter,
  createXmlWriterStream,
  postMessage,
  writeAttachment,
  XmlWriterError,
  type BufferedXmlWriter,
  type PostMessageOptions,
} from 'mtom-stream';
import { requestMessage, writeAttachment as writeNodeAttachment } from 'mtom-stream/node';
import { postMessage as postXmlMessage } from 'mtom-stream/xml';

export async function buffered(): Promise<Uint8Array> {
  const writer: BufferedXmlWriter = await createXmlWriter({ encoding: { type: 'mtom' } });
  writer.writeStartElement('', 'Document', 'urn:example');
  writer.writeBytes(new Uint8Array(1024));
  // No `!`: a writer without an output resolves the message.
  const message: Uint8Array = await writer.end();
  return message;
}

export async function withOutput(): Promise<number> {
  let total = 0;
  const writer = await createXmlWriter({
    output: (buffers) => {
      for (const b of buffers) total += b.length;
    },
  });
  writer.writeStartElement('', 'Document', 'urn:example');
  const nothing: Uint8Array | undefined = await writer.end();
  // @ts-expect-error A writer with an output does not resolve the message.
  const message: Uint8Array = await writer.end();
  void message;
  return total + (nothing?.length ?? 0);
}

export async function stream(blob: Blob): Promise<ReadableStream<Uint8Array>> {
  const { writer, readable } = await createXmlWriterStream({ encoding: { type: 'mtom' } });
  writer.writeStartElement('', 'Document', 'urn:example');
  await writeAttachment(writer, blob);
  void writer.end();
  return readable;
}

export async function upload(file: File): Promise<number> {
  const options: PostMessageOptions = {
    encoding: { type: 'mtom', action: 'urn:example/Upload' },
    onTransferProgress: ({ bytesSent, totalBytes }) => console.log(bytesSent, totalBytes),
  };
  const response: Response = await postMessage(
    '/upload',
    async (writer) => {
      writer.writeStartElement('', 'Upload', 'urn:example');
      await writeAttachment(writer, file);
    },
    options,
  );
  return response.status;
}

export async function node(): Promise<number | undefined> {
  const response = await requestMessage('http://127.0.0.1:8080/', async (writer) => {
    writer.writeStartElement('', 'Upload', 'urn:example');
    await writeNodeAttachment(writer, { path: './file.bin' });
  });
  return response.statusCode;
}

export function code(error: unknown): string | undefined {
  return error instanceof XmlWriterError ? `${error.code} 0x${error.hresult.toString(16)}` : undefined;
}

export async function typedValuesAndPartHeaders(bytes: Uint8Array): Promise<Uint8Array> {
  const writer = await createXmlWriter({
    encoding: { type: 'mtom', action: 'urn:example/Upload', actionPlacement: 'start-info' },
  });
  writer.writeStartElement('', 'Upload', 'urn:example');
  writer.writeAttribute('', 'at', '', new Date());
  writer.writeAttribute('xsi', 'type', 'http://www.w3.org/2001/XMLSchema-instance', { localName: 'T', ns: 'urn:t' });
  writer.writeProcessingInstruction('trace', 'id="1"');
  writer.writeStartElement('', 'file', 'urn:example');
  await writeAttachment(writer, bytes, { contentId: 'file@example.org', filename: 'file.bin' });
  writer.writeEndElement();
  writer.writeStartElement('', 'count', 'urn:example');
  writer.writeValue(3n);
  writer.writeEndElement();
  const prefix: string | undefined = writer.lookupPrefix('urn:example');
  void prefix;
  return writer.end();
}

export async function envelopeToRequest(xml: string, bytes: Uint8Array): Promise<number> {
  const posted: Response = await postXmlMessage('/upload', xml, { attachments: { file: bytes } });
  return posted.status;
}

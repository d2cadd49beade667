// The writer's base64 path as the base64 benchmark and the browser page time it: one document of
// `n` <v> elements under a root, each `value` written with writeBytes in the text encoding (inline
// base64), to `output`. No Node imports, so the page loads it as it is.
import { createXmlWriter } from '../../dist/index.js';

export async function writeBytesValues(value, n, output) {
  const w = await createXmlWriter({ output });
  w.writeStartElement('', 'r', '');
  for (let i = 0; i < n; i++) {
    w.writeStartElement('', 'v', '');
    w.writeBytes(value);
    w.writeEndElement();
  }
  await w.end();
}

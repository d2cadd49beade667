/**
 * Runs the digest service on its own, for trying the README examples by hand:
 *   node --import tsx tests/service/serve.ts      → prints the two endpoint URLs; Ctrl-C stops it
 */
import { javaServiceUnavailable, startJavaService } from './java-service.js';

const unavailable = javaServiceUnavailable();
if (unavailable) {
  console.error(unavailable);
  process.exit(1);
}
const service = await startJavaService();
console.log(`SOAP 1.1: ${service.soap11}\nSOAP 1.2: ${service.soap12}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void service.stop().then(() => process.exit(0)));
}

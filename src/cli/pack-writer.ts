/**
 * The writer `pack` copies into: an MTOM writer with the command's options, generous limits (a
 * document from a file, not a WWSAPI quota) and its output going to the destination.
 */
import { createXmlWriter, type OutputCallback, type PartProgress, type XmlWriter } from '../index.js';
import type { PackOptions } from './args.js';

/**
 * The writer's ring. File output is synchronous and stdout output is synchronous for large start
 * tags (see output.ts), so this bounds no document size; it sets how much goes out per write.
 */
const RING_SIZE = 1024 * 1024;

export function createPackWriter(
  options: PackOptions,
  output: OutputCallback,
  writeDeclaration: boolean,
  signal: AbortSignal,
  onProgress: (progress: PartProgress) => void,
): Promise<XmlWriter> {
  // SOAP 1.1 carries the action in SOAPAction, which the command prints; SOAP 1.2 in the Content-Type.
  const soap12Action = options.soap11 ? undefined : options.action;
  return createXmlWriter({
    encoding: {
      type: 'mtom',
      startInfo: options.startInfo,
      boundary: options.boundary,
      startUri: options.start,
      action: soap12Action,
      writeMimeHeader: options.mimeHeader,
      rootTransferEncoding: options.rootTransferEncoding,
      maxInlineByteCount: options.minSize,
    },
    output,
    writeDeclaration,
    ringSize: RING_SIZE,
    maxDepth: 4096,
    maxAttributes: 65536,
    maxNamespaces: 65536,
    simd: options.simd,
    signal,
    onProgress,
  });
}

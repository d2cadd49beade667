/**
 * The writer's output as a Node Readable, over the same OutputQueue as the WHATWG stream
 * (src/streams.ts): the writer waits until each chunk has been read, so memory stays at the ring.
 */
import { Readable, type ReadableOptions } from 'node:stream';
import { createOutputQueue, type OutputQueue, type XmlWriterStreamOptions } from './streams.js';
import type { XmlWriter } from './xml-writer.js';

export interface XmlWriterReadable {
  writer: XmlWriter;
  /** The message's bytes; ends when `writer.end()` has delivered them, is destroyed when the writer fails. */
  readable: Readable;
}

/**
 * A Readable over the queue: `_read` takes the next lent span as a copy (the consumer may keep
 * it), and the writer waits until it has been read. Destroying the Readable aborts the writer.
 */
export function queueToNodeReadable(
  queue: OutputQueue,
  options: Pick<ReadableOptions, 'highWaterMark'> = {},
): Readable {
  const serve = () => {
    if (queue.state === 'failed') readable.destroy(errorOf(queue.failure));
    else if (queue.state === 'ended' && !queue.hasBytes) readable.push(null);
    else readable.push(queue.take());
  };
  const readable = new Readable({
    highWaterMark: options.highWaterMark,
    read() {
      const wait = queue.ready();
      if (wait) void wait.then(serve);
      else serve();
    },
    destroy(error, callback) {
      if (queue.state === 'open') queue.cancel(error ?? new Error('the output Readable was destroyed'));
      callback(error);
    },
  });
  queue.onFailure((reason) => readable.destroy(errorOf(reason)));
  return readable;
}

/** createXmlWriter whose output is a Node Readable, for `stream.pipeline()`. */
export async function createXmlWriterReadable(options: XmlWriterStreamOptions = {}): Promise<XmlWriterReadable> {
  const { writer, queue } = await createOutputQueue(options);
  return { writer, readable: queueToNodeReadable(queue) };
}

function errorOf(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason), { cause: reason });
}

/**
 * The array a buffered message is returned in (WS_XML_WRITER_BUFFER_OUTPUT). Every byte of it is
 * written before it is returned.
 *
 * Where Node's Buffer is present, the array is carved from Buffer's shared pool as Buffer.from and
 * Buffer.concat do: a small message then costs no memory block of its own, and (as with any small
 * Buffer) its `.buffer` may hold other bytes around it; copy it before transferring that
 * ArrayBuffer. It is a plain Uint8Array view either way, so `slice()` copies as everywhere else.
 * Elsewhere, and in Node for messages of half the pool's size and more, it has an ArrayBuffer of
 * its own.
 */
interface NodeBuffer {
  allocUnsafe(size: number): Uint8Array;
}

const nodeBuffer = (globalThis as { Buffer?: NodeBuffer }).Buffer;

/** An array of `length` bytes, each of which the caller overwrites. */
export const messageArray: (length: number) => Uint8Array =
  typeof nodeBuffer?.allocUnsafe === 'function'
    ? (length) => {
        const pooled = nodeBuffer.allocUnsafe(length);
        return new Uint8Array(pooled.buffer, pooled.byteOffset, length);
      }
    : (length) => new Uint8Array(length);

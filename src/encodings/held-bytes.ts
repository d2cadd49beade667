/**
 * Where MTOM writeBytes content waits: the current element's content until its end decides inline
 * or part, and parts until the root part ends (WS_XML_WRITER_PROPERTY_MAX_MIME_PARTS_BUFFER_SIZE
 * bounds them). Content is copied into fixed-size blocks that go back to a shared idle list when
 * the message is done, so the next message holds its content in memory already in use rather than
 * in freshly allocated pages.
 */

const BLOCK_SIZE = 64 * 1024;
/** Idle blocks kept for later messages, at most (4 MiB). */
const IDLE_LIMIT = 64;
const idleBlocks: Uint8Array[] = [];

/** A position in the held content, to give back what was held after it. */
export interface HeldMark {
  readonly block: number;
  readonly used: number;
}

export class HeldBytes {
  private readonly blocks: Uint8Array[] = [];
  /** Bytes used in the last block. */
  private used = 0;

  /** The current end of the held content. */
  mark(): HeldMark {
    return { block: this.blocks.length, used: this.used };
  }

  /** Copies `bytes` in and appends the views that hold them, in order, to `into`. */
  hold(bytes: Uint8Array, into: Uint8Array[]): void {
    for (let at = 0; at < bytes.length; ) {
      let block = this.blocks[this.blocks.length - 1];
      if (block === undefined || this.used === BLOCK_SIZE) {
        block = idleBlocks.pop() ?? new Uint8Array(BLOCK_SIZE);
        this.blocks.push(block);
        this.used = 0;
      }
      const n = Math.min(BLOCK_SIZE - this.used, bytes.length - at);
      const view = block.subarray(this.used, this.used + n);
      view.set(bytes.subarray(at, at + n));
      into.push(view);
      this.used += n;
      at += n;
    }
  }

  /** Gives back everything held after `mark` (content written inline at once): its views are not read again. */
  rewind(mark: HeldMark): void {
    while (this.blocks.length > mark.block) this.idle(this.blocks.pop() as Uint8Array);
    this.used = mark.used;
  }

  /** Gives every block back for later messages: only once no view of them will be read again. */
  release(): void {
    while (this.blocks.length > 0) this.idle(this.blocks.pop() as Uint8Array);
    this.used = 0;
  }

  private idle(block: Uint8Array): void {
    if (idleBlocks.length < IDLE_LIMIT) idleBlocks.push(block);
  }
}

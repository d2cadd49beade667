// Memory layout of a reader instance (its own memory, apart from any writer's):
// [input window][decode output], both 64-aligned, from the heap base. The host
// copies input chunks into the window, searches it for the delimiter and
// decodes base64 text from it into the output area.

let windowStart: usize = 0;
let outputStart: usize = 0;

/** Lays out a window of windowCapacity bytes and an output area of outputCapacity; -1 if memory is too small. */
export function readerInit(windowCapacity: u32, outputCapacity: u32): i32 {
  let w = (<u64>__heap_base + 63) & ~<u64>63;
  let o = (w + <u64>windowCapacity + 63) & ~<u64>63;
  if (o + <u64>outputCapacity > (<u64>memory.size() << 16)) return -1;
  windowStart = <usize>w;
  outputStart = <usize>o;
  return 0;
}

export function readerWindowPtr(): usize {
  return windowStart;
}

export function readerOutputPtr(): usize {
  return outputStart;
}

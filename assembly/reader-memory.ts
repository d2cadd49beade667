// Memory layout of a reader instance (its own memory, apart from any writer's):
// [input window][output][staging], each 64-aligned, from the heap base. The
// host copies input chunks into the window, searches it for the delimiter and
// decodes base64 from it (or from text staged in the staging area) into the
// output area.

let windowStart: usize = 0;
let outputStart: usize = 0;
let stagingStart: usize = 0;

/** Lays out the three areas; -1 if memory is too small for them. */
export function readerInit(windowCapacity: u32, outputCapacity: u32, stagingCapacity: u32): i32 {
  let w = (<u64>__heap_base + 63) & ~<u64>63;
  let o = (w + <u64>windowCapacity + 63) & ~<u64>63;
  let s = (o + <u64>outputCapacity + 63) & ~<u64>63;
  if (s + <u64>stagingCapacity > (<u64>memory.size() << 16)) return -1;
  windowStart = <usize>w;
  outputStart = <usize>o;
  stagingStart = <usize>s;
  return 0;
}

export function readerWindowPtr(): usize {
  return windowStart;
}

export function readerOutputPtr(): usize {
  return outputStart;
}

export function readerStagingPtr(): usize {
  return stagingStart;
}

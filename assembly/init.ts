// One reset for the whole core: lays out memory and returns every unit to its starting state,
// for a new instance and for one handed to the next writer.
import { ringLayout } from "./ring";
import { base64Reset } from "./base64";
import { scanEnable, scanReset } from "./scan";

/**
 * Lays out scratch and ring from `at` (see ringLayout), forgets any base64 carry, and turns the
 * boundary scan off with its seam cleared. The MIME boundary (mime.ts) is not state to reset:
 * every multipart message sets its own before its first part. Returns ringLayout's status.
 */
export function initAt(at: usize, scratchCapacity: u32, ringCapacity: u32): i32 {
  let status = ringLayout(at, scratchCapacity, ringCapacity);
  if (status != 0) return status;
  base64Reset();
  scanReset();
  scanEnable(0);
  return 0;
}

/** initAt right after the module's static data: what the host calls. */
export function init(scratchCapacity: u32, ringCapacity: u32): i32 {
  return initAt(__heap_base, scratchCapacity, ringCapacity);
}

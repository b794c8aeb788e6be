// The addon's one C++ part: a hint to V8 that now is a good time to give memory back.
//
// Why: while a big zone loads, most of what is allocated survives, so V8 grows the young
// generation to its maximum (two 16 MiB semi-spaces) and keeps it: ~28 MiB of RSS that a server
// answering from a finished snapshot never needs. Only a GC asked to reduce the footprint shrinks
// it, and Node offers no way to ask from JS (global.gc needs --expose-gc and does not shrink).
// A critical memory-pressure notification runs that GC at once, on this thread; setting the
// level back to none restores V8's usual heuristics. This uses V8's C++ API (Node-API has no
// such call), so it ties the addon to the Node version it was built for, as node-gyp does anyway.
//
// Then glibc's malloc_trim: what the GC freed outside V8's heap (socket read buffers, Buffers
// of a TCP flood: 64 KiB each, below the mmap threshold) sits in malloc's arenas, fragmented,
// and is not returned to the system by free() alone: 200 pipelining connections left ~40 MiB
// of RSS behind after they closed, which this gives back.

#include <v8.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

extern "C" int zonedns_reduce_memory(void) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  if (isolate == nullptr) return 0;
  isolate->MemoryPressureNotification(v8::MemoryPressureLevel::kCritical);
  isolate->MemoryPressureNotification(v8::MemoryPressureLevel::kNone);
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
  return 1;
}

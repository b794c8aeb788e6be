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
// While serving, that one GC is a pause as long as a full GC of the whole heap (~90-160 ms with a
// 1M-record zone), so serve asks for it only before it answers, and after TCP floods. (A moderate
// notification, incremental marking with the same flag, still ended in a 54 ms atomic pause after
// a 1M-record reload: compaction, the replaced snapshot's buffers swept and pages unmapped.)
//
// Then glibc's malloc_trim: what the GC freed outside V8's heap (socket read buffers, Buffers
// of a TCP flood: 64 KiB each, below the mmap threshold) sits in malloc's arenas, fragmented,
// and is not returned to the system by free() alone: 200 pipelining connections left ~40 MiB
// of RSS behind after they closed, which this gives back.

#include <v8.h>
#ifdef __GLIBC__
#include <malloc.h>
#include <pthread.h>
#endif

#ifdef __GLIBC__
static void* trim_thread(void*) {
  malloc_trim(0);
  return nullptr;
}
#endif

// malloc_trim(0) now, or (`later`) on a short-lived thread of its own: returning a big arena's
// pages (madvise over each free chunk) took 39 ms on the thread that answers after a 1M-record
// reload's worker ended, and every query waited. malloc_trim locks one arena at a time, so the
// answering thread's own mallocs wait at most for its arena's turn. 1 if done or started.
static int trim(int later) {
#ifdef __GLIBC__
  if (!later) return malloc_trim(0);
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) != 0) return 0;
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t thread;
  int started = pthread_create(&thread, &attr, trim_thread, nullptr) == 0;
  pthread_attr_destroy(&attr);
  return started;
#else
  return 0;
#endif
}

extern "C" int zonedns_reduce_memory(void) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  if (isolate == nullptr) return 0;
  isolate->MemoryPressureNotification(v8::MemoryPressureLevel::kCritical);
  isolate->MemoryPressureNotification(v8::MemoryPressureLevel::kNone);
  trim(0);
  return 1;
}

// Memory malloc holds free but has not given back: a load worker's buffers land in a malloc arena
// of its own thread (2 MiB read buffers, ~25 MiB for a 64 MiB line), which stays mapped after the
// thread ends. malloc_trim(0) returns the free pages of every arena (glibc; elsewhere nothing).
extern "C" int zonedns_trim_malloc(int later) {
  return trim(later);
}

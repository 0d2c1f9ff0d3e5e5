#ifndef STUB_MICRO_TIME_H_
#define STUB_MICRO_TIME_H_
#include <stdint.h>
#include <time.h>
namespace tflite {
inline uint32_t ticks_per_second() { return CLOCKS_PER_SEC; }
inline uint32_t GetCurrentTimeTicks() { return static_cast<uint32_t>(clock()); }
inline uint32_t TicksToMs(int32_t ticks) {
  return static_cast<uint32_t>(1000.0f * static_cast<float>(ticks) / static_cast<float>(ticks_per_second()));
}
}  // namespace tflite
#endif

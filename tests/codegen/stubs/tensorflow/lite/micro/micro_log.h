#ifndef STUB_MICRO_LOG_H_
#define STUB_MICRO_LOG_H_
#include <stdarg.h>
#include <stdio.h>
__attribute__((format(printf, 1, 2))) inline void MicroPrintf(const char* format, ...) {
  va_list args;
  va_start(args, format);
  vprintf(format, args);
  va_end(args);
  printf("\n");
}
#endif

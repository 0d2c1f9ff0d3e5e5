// Test stub of the Arduino core: what the generated sketch uses (Serial, millis, micros, delay), printing to
// stdout; main() runs setup() and then loop() once. Force-included (-include Arduino.h) as the IDE does.
#ifndef STUB_ARDUINO_H_
#define STUB_ARDUINO_H_
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct StubSerial {
  void begin(unsigned long) {}
  explicit operator bool() const { return true; }
  void print(const char* s) { printf("%s", s); }
  void print(unsigned long v) { printf("%lu", v); }
  void print(float v, int digits) { printf("%.*f", digits, static_cast<double>(v)); }
  void println() { printf("\n"); }
  void println(const char* s) { printf("%s\n", s); }
  void println(unsigned long v) { printf("%lu\n", v); }
};
inline StubSerial Serial;
inline unsigned long millis() { return 0; }
inline unsigned long micros() { return 0; }
inline void delay(unsigned long) {}

void setup();
void loop();
#endif

// Test driver: the Arduino core's main(), reduced to one setup() and one loop().
#include "Arduino.h"
int main() {
  setup();
  loop();
  return 0;
}

// Test stub of the Arduino library's umbrella header (the real one pulls in the TFLM sources).
#ifndef STUB_CHIRALE_TENSORFLOWLITE_H_
#define STUB_CHIRALE_TENSORFLOWLITE_H_
#endif

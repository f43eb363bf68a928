// <BANNER>
// The model as a C array: hello_world, 2704 bytes.
// 16-byte aligned because TFLM and CMSIS-NN read tensors in place, and const so it stays in flash.
#ifndef EDGEKIT_MODEL_DATA_H_
#define EDGEKIT_MODEL_DATA_H_

extern const unsigned char g_hello_world_model_data[];
constexpr unsigned int g_hello_world_model_data_size = 2704u;

#endif  // EDGEKIT_MODEL_DATA_H_

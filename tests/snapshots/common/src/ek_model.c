// <BANNER>
// Straight-line inference: one kernel call per operator, parameters worked out by the generator.
#include <string.h>

#include "ek_kernels.h"
#include "ek_model.h"

#ifdef EK_MODEL_EXTERNAL_ARENA
/* The caller's arena (ek_model_init). */
static uint8_t* ek_arena = NULL;
#else
static uint8_t ek_arena[EK_MODEL_ARENA_BYTES] __attribute__((aligned(16)));
#endif

/* sequential/dense/MatMul */
static const int8_t k_t6[16] = {-9, -54, 57, 71, 104, 115, 98, 99, 64, -26, 127, 25, -82, 68, 95, 86};
/* sequential/dense/BiasAdd/ReadVariableOp */
static const int32_t k_t5[16] = {0, 0, -5438, -5515, -1352, -1500, -4152, -84, 3396, 0, 1981, -5581, 0, -6964, 3407, -7217};
/* sequential/dense_1/MatMul */
static const int8_t k_t4[256] = {-12, 26, -19, 9, 25, 33, -12, 36, -32, 33, -17, -68, -9, -11, -6, 25, 3, -36, -46, 2, 6, -7, -12, 2, -1, -6, -17, -15, -17, -45, 39, -31, -5, 39, -35, -21, -37, -28, 5, 26, 23, -4, 36, 18, 21, -17, 30, -28, 16, -2, 20, -38, 28, -8, -13, -15, -17, -30, -13, 9, -29, -23, -19, -29, -28, 21, 7, 11, 4, 27, 26, -2, -21, 1, -34, 33, -26, 11, -20, 3, 35, 10, 34, 36, 30, 39, 3, -26, 3, 36, -1, -64, 17, -8, -4, -15, 17, 12, -11, -32, -13, 7, 23, -27, -24, -19, -6, -36, -24, 35, -5, 7, -35, -5, -3, 0, 20, 38, 17, 23, -25, -15, 17, -22, 2, 38, 4, 4, 37, 33, 29, 10, -37, 29, -36, 32, 1, -6, -29, 55, 11, -15, 26, 22, -17, 28, -25, 3, -32, 22, 2, 3, 33, 24, 9, 46, -39, -27, 20, 11, -22, 26, -4, -40, 19, 0, -60, -40, -20, -39, -2, 13, 25, 32, -40, -42, -30, 31, -23, -41, -54, -30, -35, -58, 19, -25, 4, 62, 0, 1, 20, -57, -37, -25, 21, 21, -11, 6, -42, 26, -36, 9, 34, -2, 8, 2, 19, -17, 25, 30, -30, 9, -3, -13, 20, -35, -38, 32, -39, 15, -29, -7, -9, -18, -23, 36, -26, 41, 0, 7, 22, -30, 30, 13, 35, -45, -35, -9, 20, -6, 8, 34, 38, 33, 9, 8, 15, 11, -32, 18, -12, 127, -36, 88, -27, 38};
/* sequential/dense_1/BiasAdd/ReadVariableOp */
static const int32_t k_t3[16] = {-729, 1954, 610, 0, 241, -471, -35, -867, 571, 581, 4260, 3943, 591, 0, -889, -5103};
/* sequential/dense_2/MatMul */
static const int8_t k_t2[16] = {-39, 59, 39, 21, 28, -32, -34, -35, 15, 27, -59, -41, 18, -35, -7, 127};
/* sequential/dense_2/BiasAdd/ReadVariableOp */
static const int32_t k_t1[1] = {429};

/* op 0: FULLY_CONNECTED */
static const int32_t k_op0_mult[1] = {2039655759};
static const int32_t k_op0_shift[1] = {-7};
static const int32_t k_op0_rows[16] = {-9, -54, 57, 71, 104, 115, 98, 99, 64, -26, 127, 25, -82, 68, 95, 86};
static const ek_fc_params k_p0 = {1, 1, 16, 128, 0, -128, -128, 127, k_op0_mult, k_op0_shift, 0, k_op0_rows};
/* op 1: FULLY_CONNECTED */
static const int32_t k_op1_mult[1] = {1561796740};
static const int32_t k_op1_shift[1] = {-6};
static const int32_t k_op1_rows[16] = {1, -181, 23, -163, 13, 125, -96, 58, 162, 61, -194, -216, -24, -90, 30, 320};
static const ek_fc_params k_p1 = {1, 16, 16, 128, 0, -128, -128, 127, k_op1_mult, k_op1_shift, 0, k_op1_rows};
/* op 2: FULLY_CONNECTED */
static const int32_t k_op2_mult[1] = {1630361784};
static const int32_t k_op2_shift[1] = {-5};
static const int32_t k_op2_rows[1] = {52};
static const ek_fc_params k_p2 = {1, 16, 1, 128, 0, 5, -128, 127, k_op2_mult, k_op2_shift, 0, k_op2_rows};

int ek_model_init(void* arena, size_t bytes) {
#ifdef EK_MODEL_EXTERNAL_ARENA
  if (arena == NULL || ((uintptr_t)arena & 15u) != 0 || bytes < EK_MODEL_ARENA_BYTES) return -1;
  ek_arena = (uint8_t*)arena;
  memset(ek_arena, 0, EK_MODEL_ARENA_BYTES);  /* state tensors start at zero, as in .bss */
#else
  (void)arena;
  (void)bytes;
#endif
  return 0;
}

void* ek_model_input(int index) {
#ifdef EK_MODEL_EXTERNAL_ARENA
  if (ek_arena == NULL) return NULL;
#endif
  switch (index) {
    case 0: return ek_arena + 16;
    default: return NULL;
  }
}

void* ek_model_output(int index) {
#ifdef EK_MODEL_EXTERNAL_ARENA
  if (ek_arena == NULL) return NULL;
#endif
  switch (index) {
    case 0: return ek_arena + 0;
    default: return NULL;
  }
}

void ek_model_reset(void) {
}

int ek_model_invoke(void) {
#ifdef EK_MODEL_EXTERNAL_ARENA
  if (ek_arena == NULL) return -1;
#endif
  ek_fully_connected_s8(&k_p0, ((int8_t*)(ek_arena + 16)), k_t6, k_t5, ((int8_t*)(ek_arena + 0)));  /* op 0: FULLY_CONNECTED */
  ek_fully_connected_s8(&k_p1, ((int8_t*)(ek_arena + 0)), k_t4, k_t3, ((int8_t*)(ek_arena + 16)));  /* op 1: FULLY_CONNECTED */
  ek_fully_connected_s8(&k_p2, ((int8_t*)(ek_arena + 16)), k_t2, k_t1, ((int8_t*)(ek_arena + 0)));  /* op 2: FULLY_CONNECTED */
  return 0;
}

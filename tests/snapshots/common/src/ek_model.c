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
/* sequential/dense_2/MatMul */
static const int8_t k_t2[16] = {-39, 59, 39, 21, 28, -32, -34, -35, 15, 27, -59, -41, 18, -35, -7, 127};

/* op 0: FULLY_CONNECTED */
static const int32_t k_op0_mult[1] = {2039655759};
static const int32_t k_op0_base[16] = {-1152, -6912, 1858, 3573, 11960, 13220, 8392, 12588, 11588, -3328, 18237, -2381, -10496, 1740, 15567, 3791};
static const int8_t k_op0_right[1] = {6};
static const ek_fc_params k_p0 = {1, 1, 16, 128, 0, -128, -128, 127, k_op0_mult, NULL, 0, NULL, k_op0_base, k_op0_right, 0, 0};
/* op 1: FULLY_CONNECTED */
static const int32_t k_op1_mult[1] = {1561796740};
static const int32_t k_op1_base[16] = {-601, -21214, 3554, -20864, 1905, 15529, -12323, 6557, 21307, 8389, -20572, -23705, -2481, -11520, 2951, 35857};
static const int8_t k_op1_right[1] = {5};
static const int8_t k_op1_w[256] = {-12, 26, -19, 9, 3, -36, -46, 2, -5, 39, -35, -21, 16, -2, 20, -38, -28, 21, 7, 11, 35, 10, 34, 36, 17, 12, -11, -32, -35, -5, -3, 0, 25, 33, -12, 36, 6, -7, -12, 2, -37, -28, 5, 26, 28, -8, -13, -15, 4, 27, 26, -2, 30, 39, 3, -26, -13, 7, 23, -27, 20, 38, 17, 23, -32, 33, -17, -68, -1, -6, -17, -15, 23, -4, 36, 18, -17, -30, -13, 9, -21, 1, -34, 33, 3, 36, -1, -64, -24, -19, -6, -36, -25, -15, 17, -22, -9, -11, -6, 25, -17, -45, 39, -31, 21, -17, 30, -28, -29, -23, -19, -29, -26, 11, -20, 3, 17, -8, -4, -15, -24, 35, -5, 7, 2, 38, 4, 4, 37, 33, 29, 10, -17, 28, -25, 3, -22, 26, -4, -40, -30, 31, -23, -41, -37, -25, 21, 21, 25, 30, -30, 9, -23, 36, -26, 41, 8, 34, 38, 33, -37, 29, -36, 32, -32, 22, 2, 3, 19, 0, -60, -40, -54, -30, -35, -58, -11, 6, -42, 26, -3, -13, 20, -35, 0, 7, 22, -30, 9, 8, 15, 11, 1, -6, -29, 55, 33, 24, 9, 46, -20, -39, -2, 13, 19, -25, 4, 62, -36, 9, 34, -2, -38, 32, -39, 15, 30, 13, 35, -45, -32, 18, -12, 127, 11, -15, 26, 22, -39, -27, 20, 11, 25, 32, -40, -42, 0, 1, 20, -57, 8, 2, 19, -17, -29, -7, -9, -18, -35, -9, 20, -6, -36, 88, -27, 38};
static const ek_fc_params k_p1 = {1, 16, 16, 128, 0, -128, -128, 127, k_op1_mult, NULL, 0, NULL, k_op1_base, k_op1_right, 16, 1};
/* op 2: FULLY_CONNECTED */
static const int32_t k_op2_mult[1] = {1630361784};
static const int32_t k_op2_base[1] = {7085};
static const int8_t k_op2_right[1] = {4};
static const ek_fc_params k_p2 = {1, 16, 1, 128, 0, 5, -128, 127, k_op2_mult, NULL, 0, NULL, k_op2_base, k_op2_right, 0, 0};

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
  ek_fully_connected_base_s8(&k_p0, ((int8_t*)(ek_arena + 16)), k_t6, NULL, ((int8_t*)(ek_arena + 0)));  /* op 0: FULLY_CONNECTED */
  ek_fully_connected_s8(&k_p1, ((int8_t*)(ek_arena + 0)), k_op1_w, NULL, ((int8_t*)(ek_arena + 16)));  /* op 1: FULLY_CONNECTED */
  ek_fully_connected_base_s8(&k_p2, ((int8_t*)(ek_arena + 16)), k_t2, NULL, ((int8_t*)(ek_arena + 0)));  /* op 2: FULLY_CONNECTED */
  return 0;
}

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
static const int32_t k_op0_mult[1] = {2039655736};
static const int32_t k_op0_base[16] = {-1152, -6912, 1858, 3573, 11960, 13220, 8392, 12588, 11588, -3328, 18237, -2381, -10496, 1740, 15567, 3791};
static const int8_t k_op0_right[1] = {6};
static const ek_fc_params k_p0 = {1, 1, 16, 128, 0, -128, -128, 127, k_op0_mult, NULL, 0, NULL, k_op0_base, k_op0_right, 0, 0};
/* op 1: FULLY_CONNECTED */
static const int32_t k_op1_mult[1] = {1561796795};
static const int32_t k_op1_base[16] = {-601, -21214, 3554, -20864, 1905, 15529, -12323, 6557, 21307, 8389, -20572, -23705, -2481, -11520, 2951, 35857};
static const int8_t k_op1_right[1] = {5};
static const uint32_t k_op1_w[64] = {166533876, 47373315, 3957139451, 3658808848, 185013732, 606210595, 3774155793, 16645085, 619979033, 49608966, 436593883, 4059297820, 4263123716, 3858966302, 3843491827, 386999828, 3169788384, 4059036415, 304413719, 166978287, 568197611, 3237946371, 3707432424, 3927044583, 435877367, 3777483759, 3827232533, 3824019939, 65801190, 4059887633, 133899240, 67380738, 169681189, 65477871, 3640400618, 3622379490, 353757147, 165813785, 702948585, 556147208, 551296475, 50468576, 3636723731, 3336430282, 450234101, 3709137917, 3793094400, 185534473, 937687553, 772347937, 234805740, 1040508691, 4263643612, 265887962, 3542289694, 2146702048, 370864395, 185918937, 3604488217, 3339976960, 4011000328, 4009228771, 4195678173, 652564700};
static const ek_fc_params k_p1 = {1, 16, 16, 128, 0, -128, -128, 127, k_op1_mult, NULL, 0, NULL, k_op1_base, k_op1_right, 16, 1};
/* op 2: FULLY_CONNECTED */
static const int32_t k_op2_mult[1] = {1630361836};
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
  ek_fully_connected_s8(&k_p1, ((int8_t*)(ek_arena + 0)), (const int8_t*)k_op1_w, NULL, ((int8_t*)(ek_arena + 16)));  /* op 1: FULLY_CONNECTED */
  ek_fully_connected_base_s8(&k_p2, ((int8_t*)(ek_arena + 16)), k_t2, NULL, ((int8_t*)(ek_arena + 0)));  /* op 2: FULLY_CONNECTED */
  return 0;
}

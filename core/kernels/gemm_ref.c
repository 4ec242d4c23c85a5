/* gemm_ref.c: the specification of dl_gemm. C = op(A) op(B) + beta C, summing k in order. */
#include "kernels.h"

void dl_gemm_ref(int ta, int tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb, float beta,
                 float *C, int ldc, float *ws) {
  (void)ws;
  for (int i = 0; i < M; i++)
    for (int j = 0; j < N; j++) {
      float s = 0.0f;
      for (int k = 0; k < K; k++) s += (ta ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k]) *
                                       (tb ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j]);
      float *c = &C[(size_t)i * ldc + j];
      *c = beta == 0.0f ? s : beta * *c + s; /* beta 0 must not read C: it may hold garbage or NaN */
    }
}

// Memory-bound training kernels for tfjs-backend-wasm, in WebAssembly SIMD. The module imports the
// backend's own linear memory, so every pointer below is an offset of a tfjs tensor (or of scratch
// the caller allocated there): nothing is copied in or out.
//
// Rules that keep this module from touching memory it does not own: no global or static data (no
// data segments), no local arrays or address-taken locals (no shadow stack), no libc. The build
// script checks the first two in the linked binary.
//
// Build: node scripts/build-wasm-kernels.mjs (needs clang and wasm-ld with the wasm32 target).
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

static inline int max_int(int a, int b) { return a > b ? a : b; }
static inline int min_int(int a, int b) { return a < b ? a : b; }

// MaxPoolGrad, NHWC. For every window, the first maximum in row-major window order wins (strictly
// greater, so NaN never wins; padding is excluded), as in tfjs' cpu reference, and receives dy.
// Windows that do not overlap (pool <= stride) write dx directly; overlapping ones accumulate.
EXPORT(max_pool_grad)
void max_pool_grad(const float* x, const float* dy, float* dx, int batch, int h, int w, int c, int ho,
                   int wo, int kh, int kw, int sh, int sw, int top, int left) {
  __builtin_memset(dx, 0, (unsigned long)batch * h * w * c * sizeof(float));
  const int c4 = c & ~3;
  const int overlap = kh > sh || kw > sw;
  const v128_t lane = wasm_i32x4_make(0, 1, 2, 3);
  const float* dyp = dy;
  for (int b = 0; b < batch; b++) {
    for (int oy = 0; oy < ho; oy++) {
      const int r0 = oy * sh - top;
      const int rmin = max_int(0, r0), rmax = min_int(h, r0 + kh);
      for (int ox = 0; ox < wo; ox++, dyp += c) {
        const int c0 = ox * sw - left;
        const int cmin = max_int(0, c0), cmax = min_int(w, c0 + kw);
        for (int d = 0; d < c4; d += 4) {
          v128_t best = wasm_f32x4_splat(-__builtin_inff());
          v128_t at = wasm_i32x4_splat(-1);
          for (int r = rmin; r < rmax; r++) {
            for (int col = cmin; col < cmax; col++) {
              const int i = ((b * h + r) * w + col) * c + d;
              const v128_t v = wasm_v128_load(x + i);
              const v128_t gt = wasm_f32x4_gt(v, best);
              best = wasm_v128_bitselect(v, best, gt);
              at = wasm_v128_bitselect(wasm_i32x4_add(wasm_i32x4_splat(i), lane), at, gt);
            }
          }
          const v128_t g = wasm_v128_load(dyp + d);
          if (!overlap) {
            // Every tap of this window belongs to no other window: store dy where it won, 0 elsewhere.
            for (int r = rmin; r < rmax; r++) {
              for (int col = cmin; col < cmax; col++) {
                const int i = ((b * h + r) * w + col) * c + d;
                const v128_t won = wasm_i32x4_eq(at, wasm_i32x4_add(wasm_i32x4_splat(i), lane));
                wasm_v128_store(dx + i, wasm_v128_and(g, won));
              }
            }
          } else {
            int a0 = wasm_i32x4_extract_lane(at, 0), a1 = wasm_i32x4_extract_lane(at, 1);
            int a2 = wasm_i32x4_extract_lane(at, 2), a3 = wasm_i32x4_extract_lane(at, 3);
            if (a0 >= 0) dx[a0] += dyp[d];
            if (a1 >= 0) dx[a1] += dyp[d + 1];
            if (a2 >= 0) dx[a2] += dyp[d + 2];
            if (a3 >= 0) dx[a3] += dyp[d + 3];
          }
        }
        for (int d = c4; d < c; d++) {
          float best = -__builtin_inff();
          int at = -1;
          for (int r = rmin; r < rmax; r++) {
            for (int col = cmin; col < cmax; col++) {
              const int i = ((b * h + r) * w + col) * c + d;
              if (x[i] > best) {
                best = x[i];
                at = i;
              }
            }
          }
          if (at >= 0) dx[at] += dyp[d];
        }
      }
    }
  }
}

// Column sums of a [rows, cols] matrix (a sum over leading axes, e.g. bias gradients). Blocks of
// rows are summed in float32 lanes into `partial`, each block then added to float64 `acc`, so long
// columns keep float64 accuracy at float32 SIMD speed. Scratch: partial = cols floats (16-byte
// aligned), acc = cols doubles (8-byte aligned).
#define SUM_BLOCK 64
EXPORT(sum_rows)
void sum_rows(const float* x, float* out, int rows, int cols, float* partial, double* acc) {
  const int c4 = cols & ~3;
  for (int j = 0; j < cols; j++) acc[j] = 0;
  for (int r0 = 0; r0 < rows; r0 += SUM_BLOCK) {
    const int r1 = min_int(rows, r0 + SUM_BLOCK);
    for (int j = 0; j < cols; j++) partial[j] = 0;
    for (int r = r0; r < r1; r++) {
      const float* row = x + (long)r * cols;
      int j = 0;
      for (; j < c4; j += 4) {
        wasm_v128_store(partial + j, wasm_f32x4_add(wasm_v128_load(partial + j), wasm_v128_load(row + j)));
      }
      for (; j < cols; j++) partial[j] += row[j];
    }
    for (int j = 0; j < cols; j++) acc[j] += partial[j];
  }
  for (int j = 0; j < cols; j++) out[j] = (float)acc[j];
}

// One Adam step for one variable, with the same float32 operations in the same order as tfjs'
// AdamOptimizer (which runs them as nine separate kernels):
//   m' = m*b1 + g*(1-b1)            v' = v*b2 + g*g*(1-b2)
//   value' = (m'/c1) / (sqrt(v'/c2) + eps) * (-lr) + value      with c = 1 - beta^t
EXPORT(adam)
void adam(const float* value, const float* m, const float* v, const float* g, float* value_out, float* m_out,
          float* v_out, int n, float neg_lr, float b1, float one_minus_b1, float b2, float one_minus_b2,
          float eps, float c1, float c2) {
  const v128_t vb1 = wasm_f32x4_splat(b1), v1b1 = wasm_f32x4_splat(one_minus_b1);
  const v128_t vb2 = wasm_f32x4_splat(b2), v1b2 = wasm_f32x4_splat(one_minus_b2);
  const v128_t vc1 = wasm_f32x4_splat(c1), vc2 = wasm_f32x4_splat(c2);
  const v128_t veps = wasm_f32x4_splat(eps), vlr = wasm_f32x4_splat(neg_lr);
  const int n4 = n & ~3;
  int i = 0;
  for (; i < n4; i += 4) {
    const v128_t gi = wasm_v128_load(g + i);
    const v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(m + i), vb1), wasm_f32x4_mul(gi, v1b1));
    const v128_t vi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(v + i), vb2),
                                     wasm_f32x4_mul(wasm_f32x4_mul(gi, gi), v1b2));
    const v128_t step = wasm_f32x4_div(wasm_f32x4_div(mi, vc1), wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(vi, vc2)), veps));
    wasm_v128_store(m_out + i, mi);
    wasm_v128_store(v_out + i, vi);
    wasm_v128_store(value_out + i, wasm_f32x4_add(wasm_f32x4_mul(step, vlr), wasm_v128_load(value + i)));
  }
  for (; i < n; i++) {
    const float gi = g[i];
    const float mi = m[i] * b1 + gi * one_minus_b1;
    const float vi = v[i] * b2 + (gi * gi) * one_minus_b2;
    m_out[i] = mi;
    v_out[i] = vi;
    value_out[i] = (mi / c1) / (__builtin_sqrtf(vi / c2) + eps) * neg_lr + value[i];
  }
}

// A strided copy of 4-byte elements (transposes, and reversals with negative strides), as a loop
// nest of four axes prepared by the caller (native/module.ts merges axes): loop axis k has n_k steps,
// input stride xs_k and output stride ys_k; the innermost loop axis is the output's contiguous one
// (ys3 == 1). When it is also the input's (xs3 == 1), rows are copied whole; when the input's
// contiguous axis is loop axis 2 (xs2 == 1), the two innermost axes go in 4x4 SIMD blocks (4
// contiguous loads, a 4x4 shuffle, 4 contiguous stores) within 32x32 tiles that stay in cache;
// anything else (a reversed innermost axis) is copied element by element.
#define TILE 32
static inline void transpose_tile(const float* x, float* y, int n2, int n3, int xs3, int ys2) {
  const int n2v = n2 & ~3, n3v = n3 & ~3;
  for (int i3 = 0; i3 < n3v; i3 += 4) {
    for (int i2 = 0; i2 < n2v; i2 += 4) {
      const float* s = x + i3 * xs3 + i2;
      const v128_t r0 = wasm_v128_load(s), r1 = wasm_v128_load(s + xs3);
      const v128_t r2 = wasm_v128_load(s + 2 * xs3), r3 = wasm_v128_load(s + 3 * xs3);
      const v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);
      const v128_t t2 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
      float* d = y + i2 * ys2 + i3;
      wasm_v128_store(d, wasm_i64x2_shuffle(t0, t2, 0, 2));
      wasm_v128_store(d + ys2, wasm_i64x2_shuffle(t0, t2, 1, 3));
      wasm_v128_store(d + 2 * ys2, wasm_i64x2_shuffle(t1, t3, 0, 2));
      wasm_v128_store(d + 3 * ys2, wasm_i64x2_shuffle(t1, t3, 1, 3));
    }
    for (int i2 = n2v; i2 < n2; i2++) {
      for (int k = 0; k < 4; k++) y[i2 * ys2 + i3 + k] = x[(i3 + k) * xs3 + i2];
    }
  }
  for (int i3 = n3v; i3 < n3; i3++) {
    for (int i2 = 0; i2 < n2; i2++) y[i2 * ys2 + i3] = x[i3 * xs3 + i2];
  }
}

EXPORT(transpose)
void transpose(const float* x, float* y, int n0, int n1, int n2, int n3, int xs0, int xs1, int xs2, int xs3,
               int ys0, int ys1, int ys2) {
  for (int i0 = 0; i0 < n0; i0++) {
    for (int i1 = 0; i1 < n1; i1++) {
      const float* xb = x + i0 * xs0 + i1 * xs1;
      float* yb = y + i0 * ys0 + i1 * ys1;
      if (xs3 == 1) {
        for (int i2 = 0; i2 < n2; i2++) {
          __builtin_memcpy(yb + i2 * ys2, xb + i2 * xs2, (unsigned long)n3 * sizeof(float));
        }
        continue;
      }
      if (xs2 != 1) {
        for (int i2 = 0; i2 < n2; i2++) {
          for (int i3 = 0; i3 < n3; i3++) yb[i2 * ys2 + i3] = xb[i2 * xs2 + i3 * xs3];
        }
        continue;
      }
      for (int t2 = 0; t2 < n2; t2 += TILE) {
        for (int t3 = 0; t3 < n3; t3 += TILE) {
          transpose_tile(xb + t3 * xs3 + t2, yb + t2 * ys2 + t3, min_int(TILE, n2 - t2), min_int(TILE, n3 - t3), xs3, ys2);
        }
      }
    }
  }
}

// The gradient of ReLU (cap <= 0) or ReLU6 (cap = 6): dy * mask with mask 1 where 0 < x (<= cap),
// 0 elsewhere and NaN where x is NaN, multiplied as tfjs' Step/LessEqual/Cast/Multiply chain does
// (so a NaN or infinite dy still gives NaN where the mask is 0).
EXPORT(relu_grad)
void relu_grad(const float* dy, const float* x, float* out, int n, float cap) {
  const v128_t zero = wasm_f32x4_splat(0.0f), one = wasm_f32x4_splat(1.0f), vcap = wasm_f32x4_splat(cap);
  const int capped = cap > 0;
  const int n4 = n & ~3;
  int i = 0;
  for (; i < n4; i += 4) {
    const v128_t xv = wasm_v128_load(x + i);
    v128_t keep = wasm_f32x4_gt(xv, zero);
    if (capped) keep = wasm_v128_and(keep, wasm_f32x4_le(xv, vcap));
    v128_t mask = wasm_v128_bitselect(one, zero, keep);
    mask = wasm_v128_bitselect(xv, mask, wasm_f32x4_ne(xv, xv));
    wasm_v128_store(out + i, wasm_f32x4_mul(wasm_v128_load(dy + i), mask));
  }
  for (; i < n; i++) {
    const float xi = x[i];
    const float mask = xi != xi ? xi : (xi > 0 && (!capped || xi <= cap)) ? 1.0f : 0.0f;
    out[i] = dy[i] * mask;
  }
}

static inline void fill_row(float* y, int n, float value) {
  const v128_t v = wasm_f32x4_splat(value);
  const int n4 = n & ~3;
  int i = 0;
  for (; i < n4; i += 4) wasm_v128_store(y + i, v);
  for (; i < n; i++) y[i] = value;
}

// Constant padding of a tensor of up to four axes (the caller merges axes): x has dims n0..n3, the
// output axis k has b_k elements before and a_k after. Every output element is written once: rows
// of the output that lie in the padding are filled, the others get their two borders and x's row.
EXPORT(pad)
void pad(const float* x, float* y, int n0, int n1, int n2, int n3, int b0, int a0, int b1, int a1, int b2, int a2,
         int b3, int a3, float value) {
  const int o0 = n0 + b0 + a0, o1 = n1 + b1 + a1, o2 = n2 + b2 + a2, o3 = n3 + b3 + a3;
  for (int i0 = 0; i0 < o0; i0++) {
    const int in0 = i0 >= b0 && i0 < b0 + n0;
    for (int i1 = 0; i1 < o1; i1++) {
      const int in1 = in0 && i1 >= b1 && i1 < b1 + n1;
      for (int i2 = 0; i2 < o2; i2++) {
        float* row = y + ((i0 * o1 + i1) * o2 + i2) * o3;
        if (!(in1 && i2 >= b2 && i2 < b2 + n2)) {
          fill_row(row, o3, value);
          continue;
        }
        fill_row(row, b3, value);
        __builtin_memcpy(row + b3, x + (((i0 - b0) * n1 + (i1 - b1)) * n2 + (i2 - b2)) * n3, (unsigned long)n3 * sizeof(float));
        fill_row(row + b3 + n3, a3, value);
      }
    }
  }
}

// Depthwise convolution gradients for a channel multiplier of 1 (MobileNet's), NHWC. With
//   u = i*sh + a*dh - top, v = j*sw + b*dw - left   (positions outside x contribute nothing):
//   filter:  dw[a,b,c] = sum over n,i,j of x[n,u,v,c] * dy[n,i,j,c]
//   input:   dx[n,u,v,c] = sum over i,j,a,b reaching (u,v) of dy[n,i,j,c] * w[a,b,c]
// Both walk dy once and, per filter tap, one contiguous row of channels, in 4-lane SIMD.
static inline void axpy_rows(float* acc, const float* a, const float* b, int c) {
  const int c4 = c & ~3;
  int k = 0;
  for (; k < c4; k += 4) {
    wasm_v128_store(acc + k, wasm_f32x4_add(wasm_v128_load(acc + k), wasm_f32x4_mul(wasm_v128_load(a + k), wasm_v128_load(b + k))));
  }
  for (; k < c; k++) acc[k] += a[k] * b[k];
}

// One walk for both: per dy pixel and filter tap, out_row += a_row * dy_row, where for the filter
// gradient out is the tap's weights and a is x's pixel, and for the input gradient out is dx's pixel
// and a is the tap's weights.
static void depthwise_grad(const float* data, const float* dy, float* out, int batch, int h, int w, int c, int ho,
                           int wo, int kh, int kw, int sh, int sw, int dh, int dwl, int top, int left, int input_grad) {
  for (int n = 0; n < batch; n++) {
    for (int i = 0; i < ho; i++) {
      for (int j = 0; j < wo; j++) {
        const float* g = dy + ((n * ho + i) * wo + j) * c;
        for (int a = 0; a < kh; a++) {
          const int u = i * sh + a * dh - top;
          if (u < 0 || u >= h) continue;
          for (int b = 0; b < kw; b++) {
            const int v = j * sw + b * dwl - left;
            if (v < 0 || v >= w) continue;
            const int tap = (a * kw + b) * c, pixel = ((n * h + u) * w + v) * c;
            if (input_grad) axpy_rows(out + pixel, data + tap, g, c);
            else axpy_rows(out + tap, data + pixel, g, c);
          }
        }
      }
    }
  }
}

EXPORT(depthwise_filter_grad)
void depthwise_filter_grad(const float* x, const float* dy, float* dw, int batch, int h, int w, int c, int ho,
                           int wo, int kh, int kw, int sh, int sw, int dh, int dwl, int top, int left) {
  __builtin_memset(dw, 0, (unsigned long)kh * kw * c * sizeof(float));
  depthwise_grad(x, dy, dw, batch, h, w, c, ho, wo, kh, kw, sh, sw, dh, dwl, top, left, 0);
}

EXPORT(depthwise_input_grad)
void depthwise_input_grad(const float* dy, const float* filter, float* dx, int batch, int h, int w, int c, int ho,
                          int wo, int kh, int kw, int sh, int sw, int dh, int dwl, int top, int left) {
  __builtin_memset(dx, 0, (unsigned long)batch * h * w * c * sizeof(float));
  depthwise_grad(filter, dy, dx, batch, h, w, c, ho, wo, kh, kw, sh, sw, dh, dwl, top, left, 1);
}

// The weight gradient of a convolution with few input channels (an image's RGB), NHWC, dilation 1:
//   dw[a,b,ci,co] = sum over n,i,j of x[n, i*sh + a - top, j*sw + b - left, ci] * dy[n,i,j,co]
// Each output row dw[a,b,ci,:] takes one x value times dy's row per pixel: rows accumulate in
// registers (16 output channels at a time) over chunks of `chunk` pixels whose dy rows stay in
// cache, with the x offsets of a chunk for each tap computed once into `offsets` (chunk ints of
// scratch).
// XNNPACK's route (x as the filter of a swapped convolution) gives its GEMM as many output columns
// as input channels: 3 of 8 lanes for RGB.
static inline void accumulate_rows(const float* x, const float* dy, float* row, const int* offsets, int count,
                                   int p0, int co, int c) {
  const int co16 = co & ~15, co4 = co & ~3;
  int k = 0;
  for (; k < co16; k += 16) {
    v128_t a0 = wasm_v128_load(row + k), a1 = wasm_v128_load(row + k + 4);
    v128_t a2 = wasm_v128_load(row + k + 8), a3 = wasm_v128_load(row + k + 12);
    for (int q = 0; q < count; q++) {
      const int off = offsets[q];
      if (off < 0) continue;
      const v128_t xv = wasm_f32x4_splat(x[off + c]);
      const float* g = dy + (p0 + q) * co + k;
      a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(xv, wasm_v128_load(g)));
      a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(xv, wasm_v128_load(g + 4)));
      a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(xv, wasm_v128_load(g + 8)));
      a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(xv, wasm_v128_load(g + 12)));
    }
    wasm_v128_store(row + k, a0);
    wasm_v128_store(row + k + 4, a1);
    wasm_v128_store(row + k + 8, a2);
    wasm_v128_store(row + k + 12, a3);
  }
  for (; k < co4; k += 4) {
    v128_t a0 = wasm_v128_load(row + k);
    for (int q = 0; q < count; q++) {
      if (offsets[q] < 0) continue;
      a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_f32x4_splat(x[offsets[q] + c]), wasm_v128_load(dy + (p0 + q) * co + k)));
    }
    wasm_v128_store(row + k, a0);
  }
  for (; k < co; k++) {
    float a0 = row[k];
    for (int q = 0; q < count; q++) {
      if (offsets[q] >= 0) a0 += x[offsets[q] + c] * dy[(p0 + q) * co + k];
    }
    row[k] = a0;
  }
}

EXPORT(conv2d_filter_grad)
void conv2d_filter_grad(const float* x, const float* dy, float* dw, int batch, int h, int w, int ci, int ho, int wo,
                        int co, int kh, int kw, int sh, int sw, int top, int left, int chunk, int* offsets) {
  __builtin_memset(dw, 0, (unsigned long)kh * kw * ci * co * sizeof(float));
  const int pixels = batch * ho * wo;
  for (int p0 = 0; p0 < pixels; p0 += chunk) {
    const int count = min_int(chunk, pixels - p0);
    for (int a = 0; a < kh; a++) {
      for (int b = 0; b < kw; b++) {
        // Where each pixel of the chunk reads x for this tap, or -1 in the padding.
        int n = p0 / (ho * wo), i = (p0 / wo) % ho, j = p0 % wo;
        for (int q = 0; q < count; q++) {
          const int u = i * sh + a - top, v = j * sw + b - left;
          offsets[q] = (u < 0 || u >= h || v < 0 || v >= w) ? -1 : ((n * h + u) * w + v) * ci;
          if (++j == wo) {
            j = 0;
            if (++i == ho) {
              i = 0;
              n++;
            }
          }
        }
        for (int c = 0; c < ci; c++) {
          accumulate_rows(x, dy, dw + ((a * kw + b) * ci + c) * co, offsets, count, p0, co, c);
        }
      }
    }
  }
}

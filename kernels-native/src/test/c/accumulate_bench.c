// The two Q4_0 accumulations (y += a_i * row_i over a share of the rows, TEAL's input-major projections):
// float (ember_accumulate_q4_0: each row dequantized and added one FMA per value) against integer windows of
// eight rows over the r8d copy (ember_accumulate_r8d_q4_0). 22 layers of a 2048 x 2048 input-major matrix,
// one thread, a random share of the rows kept; the best of 5 passes.
//
//   gcc -O3 -o /tmp/accumulate_bench kernels-native/src/test/c/accumulate_bench.c kernels-native/src/main/c/ember_kernels.c kernels-native/src/main/c/generic.c kernels-native/src/main/c/x86_avx2.c -lm
//   /tmp/accumulate_bench 0.5     # skip half the rows (attn:0.5)
//   /tmp/accumulate_bench 0.9
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
void ember_accumulate_r8d_q4_0(const uint8_t *w, int64_t row_bytes, const int32_t *ids, const float *a, int32_t count, int32_t from, int32_t to, float *y);
void ember_accumulate_q4_0(const uint8_t *w, int64_t row_bytes, const int32_t *ids, const float *a, int32_t count, int32_t from, int32_t to, float *y);
void ember_repack_q4_0_r8d(const uint8_t *w, int64_t row_bytes, int32_t rows, int32_t blocks, uint8_t *out);
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int main(int argc,char**argv){
  int layers=22, rows=2048, cols=2048; double share=argc>1?atof(argv[1]):0.5;
  int64_t rb=cols/32*18;
  uint8_t *w=aligned_alloc(4096, (size_t)layers*rows*rb); uint8_t *r=aligned_alloc(4096,(size_t)layers*rows*rb);
  for(size_t i=0;i<(size_t)layers*rows*rb;i++) w[i]=rand();
  for(int64_t i=0;i<(int64_t)layers*rows;i++){ uint16_t h=0x2c00; memcpy(w+i*rb,&h,2); for(int b=1;b<cols/32;b++) memcpy(w+i*rb+18*b,&h,2);} 
  for(int l=0;l<layers;l++) ember_repack_q4_0_r8d(w+(size_t)l*rows*rb, rb, rows, cols/32, r+(size_t)l*rows*rb);
  int32_t ids[2048]; float a[2048]; int n=0; for(int i=0;i<rows;i++) if(rand()/(double)RAND_MAX>=share){ids[n]=i;a[n]=rand()/(double)RAND_MAX-0.5f;n++;}
  float *y=calloc(cols,4);
  for(int k=0;k<2;k++){
    const uint8_t *base = k? w : r;
    double best=1e9;
    for(int rep=0;rep<5;rep++){ double t0=now();
      for(int l=0;l<layers;l++){ if(k) ember_accumulate_q4_0(base+(size_t)l*rows*rb, rb, ids,a,n,0,cols/32,y); else ember_accumulate_r8d_q4_0(base+(size_t)l*rows*rb, rb, ids,a,n,0,cols/256,y);}
      double t=now()-t0; if(t<best)best=t; }
    printf("%s: %d of %d rows, %d layers: %.2f ms, %.2f GB/s\n", k?"float accumulate":"r8d windows", n, rows, layers, best*1e3, (double)n*rb*layers/best/1e9);
  }
  return 0;
}

// What reading random neuron bundles costs against streaming the same memory, without any arithmetic: the
// ceiling the fused sparse FFN's reads could reach. Per thread, its own LAYERS layers of 5632 bundles of 3456
// bytes (TinyLlama Q4_0's gate, up and down rows), far past the L3, each layer with its own random choice of a
// share of the bundles; read in ascending order four bundles at a time with the next four prefetched (mode 0),
// or every byte of each layer in order (mode 2: the dense kernels' pattern). Prints the total GB/s of all threads.
//
//   gcc -O2 -pthread -o /tmp/bundle_read_bench kernels-native/src/test/c/bundle_read_bench.c
//   /tmp/bundle_read_bench 0.1 3456 2 0    # 10 % of the bundles, packed, 2 threads
//   /tmp/bundle_read_bench 1 3456 2 2      # streaming, 2 threads
#include <immintrin.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
enum { BUNDLE = 3456, N = 5632, LAYERS = 66 };
static int stride, count, threads; static int32_t *ids; static int32_t *lids[LAYERS]; static int lcount[LAYERS]; static double share;
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
__attribute__((target("avx2"))) static uint64_t rd(const uint8_t *base, int mode){
  __m256i acc=_mm256_setzero_si256();
  if(mode==2){ // sequential whole layer
    for(int64_t off=0; off<(int64_t)N*stride; off+=64) acc=_mm256_or_si256(acc,_mm256_loadu_si256((const __m256i*)(base+off)));
  } else {
  for(int i=0;i<count;i+=4){ int n=count-i<4?count-i:4;
    for(int64_t off=0;off<BUNDLE;off+=64) for(int q=0;q<n;q++){ const uint8_t*b=base+(int64_t)ids[i+q]*stride;
      acc=_mm256_or_si256(acc,_mm256_loadu_si256((const __m256i*)(b+off)));
      if(i+q+4<count) _mm_prefetch((const char*)base+(int64_t)ids[i+q+4]*stride+off,_MM_HINT_T0);
      if(mode==1 && i+q+8<count) _mm_prefetch((const char*)base+(int64_t)ids[i+q+8]*stride+off,_MM_HINT_T1);}
  }}
  uint64_t v[4]; _mm256_storeu_si256((__m256i*)v,acc); return v[0]^v[1]^v[2]^v[3];}
static int mode; static double res[8];
static void* run(void*arg){ long t=(long)arg; size_t sz=(size_t)LAYERS*N*stride; uint8_t*m=aligned_alloc(1<<21,(sz+(1<<21)-1)/(1<<21)*(1<<21)); madvise(m,sz,MADV_HUGEPAGE); memset(m,1,sz);
  double best=1e9; volatile uint64_t sink=0;
  for(int rep=0;rep<20;rep++){ double t0=now(); for(int l=0;l<LAYERS;l++){ ids=lids[l]; count=lcount[l]; sink^=rd(m+(size_t)l*N*stride,mode);} double dt=now()-t0; if(dt<best)best=dt;}
  double tot=0; for(int l=0;l<LAYERS;l++) tot+= mode==2?(double)N*stride:(double)lcount[l]*BUNDLE; res[t]=tot/best/1e9; free(m); return 0;}
int main(int argc,char**argv){ share=atof(argv[1]); stride=atoi(argv[2]); threads=atoi(argv[3]); mode=atoi(argv[4]);
  srand(1); for(int l=0;l<LAYERS;l++){ lids[l]=malloc(4*N); for(int i=0;i<N;i++) if(rand()/(double)RAND_MAX<share) lids[l][lcount[l]++]=i; }
  pthread_t th[8]; for(long t=0;t<threads;t++) pthread_create(&th[t],0,run,(void*)t); for(int t=0;t<threads;t++) pthread_join(th[t],0);
  double s=0; for(int t=0;t<threads;t++) s+=res[t]; printf("share %.2f stride %d threads %d mode %d: %.2f GB/s total\n",share,stride,threads,mode,s); }

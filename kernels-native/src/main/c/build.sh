#!/bin/sh
# Builds the C kernels into OUT/native/<os>-<arch>/libember_kernels.so: for this machine with $CC (else cc, else
# gcc), and for linux-aarch64 as well where the cross compiler aarch64-linux-gnu-gcc (or $CC_AARCH64) is
# installed. Maven runs it (kernels-native/pom.xml); by hand: sh build.sh OUT.
#   ember_kernels.c   the ABI, memory, layouts, the choice of kernels      every platform
#   generic.c         portable C, the reference order of arithmetic         every platform
#   x86_avx2.c        AVX2 + FMA + F16C; built twice: with AVX512-VNNI too  x86-64
#   arm_neon.c        NEON, built twice: with and without dot-product       aarch64
# generic.c and arm_neon.c compile with -ffp-contract=off: their float operations are all written out, so that
# the NEON sets give generic's bits (portable_loops.h). Warnings are errors only under CI=true, so a newer
# compiler on a user's machine warns instead of failing the build.
set -eu
out=$1
src=$(cd "$(dirname "$0")" && pwd)
werror=
if [ "${CI:-}" = true ]; then werror=-Werror; fi
flags="-O3 -fPIC -Wall -Wextra $werror"
exact="-ffp-contract=off"

# build COMPILER ARCH: the library for ARCH into $out/native/linux-ARCH
build() {
    cc=$1
    arch=$2
    tmp=$(mktemp -d)
    $cc $flags -c -o "$tmp/ember_kernels.o" "$src/ember_kernels.c"
    $cc $flags $exact -c -o "$tmp/generic.o" "$src/generic.c"
    case $arch in
    x86_64)
        $cc $flags -c -o "$tmp/x86_avx2.o" "$src/x86_avx2.c"
        $cc $flags -DWITH_VNNI -c -o "$tmp/x86_avx512vnni.o" "$src/x86_avx2.c" ;;
    aarch64)
        $cc $flags $exact -march=armv8-a -c -o "$tmp/arm_neon.o" "$src/arm_neon.c"
        $cc $flags $exact -march=armv8.2-a+dotprod -DWITH_DOTPROD -c -o "$tmp/arm_neon_dotprod.o" \
            "$src/arm_neon.c" ;;
    esac
    mkdir -p "$out/native/linux-$arch"
    $cc -shared -o "$out/native/linux-$arch/libember_kernels.so" "$tmp"/*.o -lm
    rm -rf "$tmp"
    echo "ember: built native/linux-$arch/libember_kernels.so with $cc"
}

if [ "$(uname -s)" != Linux ]; then
    echo "ember: no native kernels for $(uname -s) (Linux only); the Vector API kernels run" >&2
    exit 0
fi
host=$(uname -m)
cc=${CC:-}
if [ -z "$cc" ]; then cc=$(command -v cc || command -v gcc || true); fi
if [ -z "$cc" ]; then
    echo "ember: no C compiler (set CC, or install gcc): no native kernels; the Vector API kernels run" >&2
else
    build "$cc" "$host"
fi
cross=${CC_AARCH64:-aarch64-linux-gnu-gcc}
if [ "$host" != aarch64 ] && command -v "$cross" >/dev/null 2>&1; then
    build "$cross" aarch64
fi

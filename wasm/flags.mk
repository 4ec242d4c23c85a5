# wasm/flags.mk: the two WebAssembly builds. A standalone module (no Emscripten JS glue, which
# breaks under Node 18+): it imports only env.emscripten_notify_memory_growth, and malloc returns
# NULL at the 2 GB ceiling instead of aborting, so the core reports out-of-memory as an error.
WASM_KERNELS := $(shell sed -n 's/^DL_KERNEL(\(.*\))/\1/p' core/kernels/kernels.def)
# The pages' modules export the API only. The kernel tests link the SIMD objects once more with
# every pair exported (build/dlplay-kernels.wasm), so no page downloads the reference kernels.
WASM_API := $(shell cat wasm/exports.txt)
WASM_KERNEL_PAIRS := $(foreach k,$(WASM_KERNELS),dl_$(k)_ref dl_$(k)_simd)
wasm_exports = -sEXPORTED_FUNCTIONS=$(subst $(space),$(comma),$(foreach f,$(1),_$(f)))
# Compiled for speed (-O3): the kernels, and the ops whose own loops are hot (recurrent gates,
# attention's softmax, cross-entropy, normalization); everything else for size (-Os). Measured on
# this machine: MLP, LeNet, char-LSTM and mini-GPT training run as fast as with -O3 throughout
# (within run-to-run noise), and the SIMD module is 118 KB gzipped instead of 140 KB.
WASM_HOT := $(wildcard core/kernels/*.c) core/ops/rnn.c core/ops/attn.c core/ops/loss.c core/ops/norm.c core/ops/act.c
WASM_CFLAGS := -std=c11 -DNDEBUG -ffp-contract=off -Wall -Wextra
WASM_FLAGS := -O3 --no-entry -sSTANDALONE_WASM \
  -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=16MB -sMAXIMUM_MEMORY=2GB -sTOTAL_STACK=1MB -sFILESYSTEM=0
WASM_SIMD_FLAGS := -msimd128

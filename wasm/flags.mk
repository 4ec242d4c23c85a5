# wasm/flags.mk: the two WebAssembly builds. A standalone module (no Emscripten JS glue, which
# breaks under Node 18+): it imports only env.emscripten_notify_memory_growth, and malloc returns
# NULL at the 2 GB ceiling instead of aborting, so the core reports out-of-memory as an error.
# The kernel pairs (dl_<kernel>_ref / _simd) are exported too, so tests compare them in one module.
WASM_KERNELS := $(shell sed -n 's/^DL_KERNEL(\(.*\))/\1/p' core/kernels/kernels.def)
WASM_EXPORTS := $(shell cat wasm/exports.txt) $(foreach k,$(WASM_KERNELS),dl_$(k)_ref dl_$(k)_simd)
WASM_EXPORT_FLAG := -sEXPORTED_FUNCTIONS=$(subst $(space),$(comma),$(foreach f,$(WASM_EXPORTS),_$(f)))
WASM_FLAGS := -std=c11 -O3 -DNDEBUG -ffp-contract=off -Wall -Wextra --no-entry -sSTANDALONE_WASM \
  -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=16MB -sMAXIMUM_MEMORY=2GB -sTOTAL_STACK=1MB -sFILESYSTEM=0 $(WASM_EXPORT_FLAG)
WASM_SIMD_FLAGS := -msimd128

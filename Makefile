# Entry points. Each target installs missing Debian packages first (deploy/install-deps.sh is
# idempotent and quick when everything is present).
BUILD ?= build
DATA  ?= data
JOBS  ?= 2

ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan

.PHONY: deps deps-test configure build test test-plain test-asan test-tsan run bench soak clean

deps:
	@bash deploy/install-deps.sh

# What the tests need beside the build: PostgreSQL, which the storage and failover tests start.
deps-test:
	@bash deploy/install-deps.sh test

configure: deps
	@test -f $(BUILD)/build.ninja || cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# Every test (unit, integration, crash, fuzz, end to end, console) under AddressSanitizer +
# UBSan, then the storage, services and integration tests under ThreadSanitizer. A third run in
# the plain build would repeat the ASan run without its checks and cost a third compile (the
# plain build is what make run and make bench use; make test-plain runs ctest there).
test:
	@$(MAKE) --no-print-directory test-asan
	@$(MAKE) --no-print-directory test-tsan

test-plain: deps-test build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

# The sanitizer builds are clang builds, so they also check the lock annotations
# (-Wthread-safety -Werror=thread-safety, see CMakeLists.txt) and build the fuzzers.
SANITIZER_CXX ?= clang++

# $(call configure_sanitizer,DIR,KIND): configures DIR for SCC_SANITIZE=KIND with
# $(SANITIZER_CXX), anew if DIR was configured before with another compiler (an older
# build-asan or build-tsan made by GCC would otherwise check no annotations and build no fuzzer).
define configure_sanitizer
	@grep -qs '^CMAKE_CXX_COMPILER:.*/$(notdir $(SANITIZER_CXX))$$' $(1)/CMakeCache.txt || { \
	  rm -rf $(1) && cmake -S . -B $(1) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DCMAKE_CXX_COMPILER=$(SANITIZER_CXX) -DSCC_SANITIZE=$(2); }
endef

# ASan + UBSan, in a build of its own: every test, and the libFuzzer targets (tests/fuzz), each
# fuzzed for a bounded time.
test-asan: deps-test
	$(call configure_sanitizer,$(ASAN_BUILD),address)
	@echo "test-asan: building with AddressSanitizer and UndefinedBehaviorSanitizer in $(ASAN_BUILD)"
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 900

# TSan, in a build of its own: the storage tests (concurrent writers and subscribers, the
# group-commit pipeline, power cuts, tampering), the services' unit tests and the integration
# tests, whose sccd runs under TSan too. The labels are set where the tests are registered.
# Thread leaks are not reported: a client such as sccctl exits on an error while gRPC's
# resolver thread still runs, which is no race.
TSAN_LABELS = storage|services|integration
test-tsan: deps-test
	$(call configure_sanitizer,$(TSAN_BUILD),thread)
	@echo "test-tsan: building with ThreadSanitizer in $(TSAN_BUILD)"
	@cmake --build $(TSAN_BUILD) -j $(JOBS)
	@cd $(TSAN_BUILD) && \
	  TSAN_OPTIONS="halt_on_error=1 ignore_noninstrumented_modules=1 report_thread_leaks=0 suppressions=$(CURDIR)/tests/tsan/suppressions.txt" \
	  ctest --output-on-failure -j $(JOBS) --timeout 900 -L '$(TSAN_LABELS)'

# Starts sccd on 127.0.0.1:50051 with data in ./data and loads the demo authority once.
run: build
	@BUILD=$(BUILD) DATA=$(DATA) bash deploy/run-local.sh

bench: build
	@bash deploy/install-deps.sh bench
	@$(BUILD)/tests/bench/side_by_side_bench --out bench-results
	@$(BUILD)/tests/bench/event_log_bench --out bench-results
	@$(BUILD)/tests/bench/projection_bench --out bench-results
	@$(BUILD)/tests/bench/report_bench --out bench-results
	@$(BUILD)/tests/bench/read_audit_bench --out bench-results
	@$(BUILD)/tests/bench/national_bench --out bench-results --sccctl $(BUILD)/clients/sccctl

# A few minutes of steady load on sccd: throughput, latency and memory over time.
SOAK_SECONDS ?= 180
soak: build
	@$(BUILD)/tests/bench/soak_bench --out bench-results --seconds $(SOAK_SECONDS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD)

# Entry points. Each target installs missing Debian packages first (deploy/install-deps.sh is
# idempotent and quick when everything is present).
BUILD ?= build
DATA  ?= data
JOBS  ?= 2

.PHONY: deps configure build test run bench clean

deps:
	@bash deploy/install-deps.sh

configure: deps
	@test -f $(BUILD)/build.ninja || cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# Every test (unit, integration, crash) through ctest; its closing line counts them.
test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

# Starts sccd on 127.0.0.1:50051 with data in ./data and loads the demo authority once.
run: build
	@BUILD=$(BUILD) DATA=$(DATA) bash deploy/run-local.sh

bench: build
	@$(BUILD)/tests/bench/event_log_bench --out bench-results
	@$(BUILD)/tests/bench/projection_bench --out bench-results
	@$(BUILD)/tests/bench/report_bench --out bench-results

clean:
	rm -rf $(BUILD)

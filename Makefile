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

# Until the gRPC server lands, `run` exercises the event log in ./data with the storage tool.
run: build
	@$(BUILD)/storage/scclog --data $(DATA) demo

bench: build
	@$(BUILD)/tests/bench/event_log_bench --out bench-results

clean:
	rm -rf $(BUILD)

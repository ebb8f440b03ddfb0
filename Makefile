# berth: the two commands first. The build is meson/ninja; this file only
# strings the steps together. BUILD=dir picks another build directory.
#
#   make demo    install what is missing, build, run berth-httpd on a test
#                net, fetch from it and load it from Linux (root)
#   make test    install what is missing, build with -Werror, run the unit,
#                sim, integration, fuzz and install suites (integration:
#                root; SUITES=... picks others)
#   make bench   install what is missing, build for speed, run the
#                benchmarks, write bench/results/DATE/report.md (root)
#   make build   build only
#   make clean   remove the build directories

BUILD ?= build
SUITES ?= unit sim integration fuzz install bench

.PHONY: demo test bench build clean deps deps-test help

# Steps run in order, also under make -j.
demo: deps
	@$(MAKE) --no-print-directory build BUILD=$(BUILD)
	@BUILD=$(BUILD) bash scripts/demo

test: deps-test
	@echo "==> Configuring $(BUILD) with -Dwerror=true"
	@if [ -f $(BUILD)/build.ninja ]; then r=--reconfigure; else r=; fi; \
	out=$$(meson setup $$r -Dwerror=true $(BUILD) 2>&1) || { echo "$$out"; exit 1; }
	@echo "==> Building with gcc"
	@ninja -C $(BUILD)
	@if command -v clang >/dev/null; then \
		echo "==> Building with clang -Werror in $(BUILD)-clang (warnings must be clean there too)"; \
		if [ -f $(BUILD)-clang/build.ninja ]; then r=--reconfigure; else r=; fi; \
		out=$$(CC=clang meson setup $$r -Dwerror=true $(BUILD)-clang 2>&1) || { echo "$$out"; exit 1; }; \
		ninja -C $(BUILD)-clang >/dev/null || { ninja -C $(BUILD)-clang; exit 1; }; \
	fi
	@[ "$$(id -u)" -eq 0 ] || echo "==> Not root: the integration tests will be skipped"
	@summary=; failed=0; np=0; nf=0; ns=0; \
	for s in $(SUITES); do \
		if ! meson test -C $(BUILD) --no-rebuild --list --suite $$s >/dev/null 2>&1; then \
			summary="$$summary    $$s: no tests\n"; continue; \
		fi; \
		echo "==> Suite $$s"; \
		meson test -C $(BUILD) --no-rebuild --print-errorlogs --suite $$s || failed=1; \
		log=$(BUILD)/meson-logs/testlog.txt; \
		counts=$$(grep -E '^(Ok|Fail|Skipped|Timeout|Unexpected Pass): ' $$log | \
			awk -F: '{gsub(/ /, "", $$2); if ($$1 == "Ok" || $$2 != 0) printf "%s %s, ", $$2, tolower($$1)}'); \
		summary="$$summary    $$s: $${counts%, }\n"; \
		np=$$((np + $$(awk -F: '/^Ok: /{gsub(/ /,"",$$2); print $$2}' $$log))); \
		nf=$$((nf + $$(awk -F: '/^(Fail|Timeout|Unexpected Pass): /{gsub(/ /,"",$$2); n+=$$2} END{print n+0}' $$log))); \
		ns=$$((ns + $$(awk -F: '/^Skipped: /{gsub(/ /,"",$$2); print $$2}' $$log))); \
	done; \
	echo "==> Summary"; printf "%b" "$$summary"; \
	echo "make test: $$np passed, $$nf failed, $$ns skipped"; \
	if [ $$failed -ne 0 ] || [ $$nf -ne 0 ]; then echo "==> make test: FAILED"; exit 1; fi; \
	echo "==> make test: passed"

bench:
	@echo "==> Checking dependencies (scripts/deps --with-bench)"
	@bash scripts/deps --with-bench
	@bash bench/run

build:
	@echo "==> Building in $(BUILD)"
	@[ -f $(BUILD)/build.ninja ] || out=$$(meson setup $(BUILD) 2>&1) || { echo "$$out"; exit 1; }
	@ninja -C $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD)-clang

deps:
	@echo "==> Checking dependencies (scripts/deps)"
	@bash scripts/deps

# The tests also read captures with tshark (window scaling and timestamps
# negotiated with Linux).
deps-test:
	@echo "==> Checking dependencies (scripts/deps --with-tshark)"
	@bash scripts/deps --with-tshark

help:
	@sed -n '1,/^$$/p' Makefile | sed 's/^# \{0,1\}//'

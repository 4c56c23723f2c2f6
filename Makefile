# flow: the two commands a new machine needs are `make demo` (the main analysis) and `make test`.
SWIFT        ?= swift
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := pkg-config libyaml-dev libssl-dev zlib1g-dev liblz4-dev libzstd-dev liblzma-dev libxxhash-dev libopenblas-dev \
                chromium fonts-dejavu-core librsvg2-bin
PIP_PACKAGES := jsonschema pyyaml numpy scikit-learn uproot awkward lz4 zstandard xxhash pyhf onnx onnxruntime pylhe
FLOW_RELEASE := .build/release/flow

.PHONY: setup slurm xrootd build release test test-e2e test-cpus demo closure bench bench-engine bench-data bench-network bench-kernels bench-root bench-lhe bench-trees bench-slurm bench-remote schema fuzz clean

## Install the system libraries and Python packages flow and its tests use, when missing.
setup:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing$$missing"; \
	  $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends $$missing; \
	fi
	@python3 -c "import jsonschema, yaml, numpy, sklearn, uproot, awkward, lz4, zstandard, xxhash, pyhf, onnx, onnxruntime, pylhe" 2>/dev/null || python3 -m pip install $(PIP_PACKAGES)

## A one-node Slurm cluster on this machine, for the Slurm executor's tests (installs slurmctld, slurmd,
## slurm-client and munge when missing; a running cluster is only re-checked).
slurm:
	bash scripts/slurm/start-local-slurm.sh

## A real XRootD server on this machine, for the XRootD remote's tests and benchmark (installs Debian's
## xrootd-server and xrootd-client when missing; serves /tmp/flow-xrootd/data at root://localhost:1094//).
xrootd:
	bash scripts/xrootd/start-local-xrootd.sh

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release

## Unit, integration and command-line tests: the fast suite (a few minutes on 2 cores).
E2E_TESTS := SlurmTests|ReweightingStepTests|ReportBrowserTests|XRootDRemoteTests
test: setup
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip "$(E2E_TESTS)"

## End-to-end tests: the Slurm executor on a real one-node cluster, the XRootD remote on a real local
## server, the reweighting chain on generated samples with the browser screenshot of its report, the
## trees' closure on the SUM sample.
test-e2e: setup slurm xrootd
	$(SWIFT) build --build-tests
	$(SWIFT) test --filter "$(E2E_TESTS)"

## A network's bits on CPUs other than this one: the portable kernels' and elementary functions' tests,
## and a training run whose parameter hash is recorded, under QEMU's user-mode emulation of a CPU without
## AVX (Nehalem: the scalar reference, glibc's non-FMA functions) and of one with AVX2 + FMA but no
## AVX-512 (Haswell). `make test` covers this CPU's own paths. QEMU may warn about CPU features it lacks.
EMULATED_CPUS := Nehalem Haswell
KERNEL_TESTS  := NetworkTests.KernelTests/testTrainingIsBitIdenticalOnEveryPath \
                 NetworkTests.KernelTests/testReferenceIsTheDocumentedOrder \
                 NetworkTests.KernelTests/testSignedZerosFollowTheOrder NetworkTests.PortableMathTests
test-cpus: setup
	@command -v qemu-x86_64 >/dev/null || { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends qemu-user; }
	$(SWIFT) build --build-tests
	@for cpu in $(EMULATED_CPUS); do for t in $(KERNEL_TESTS); do \
	  echo "== $$cpu: $$t"; qemu-x86_64 -cpu $$cpu .build/debug/flowPackageTests.xctest $$t || exit 1; \
	done; done

## The main job: the pseudoscalar-A analysis on the built-in generator.
demo: release
	$(FLOW_RELEASE) run workflows/pseudoscalar400.yaml

## The main job over three network seeds (the committed lock file is seed 1's, run last), then the
## paired closure table and the downstream significances as mean ± spread, checked against the targets.
CLOSURE_SEEDS ?= 2 3 1
CLOSURE_FLAGS ?=
closure: release
	@for seed in $(CLOSURE_SEEDS); do \
	  $(FLOW_RELEASE) run workflows/pseudoscalar400.yaml -p network_seed=$$seed || exit 1; \
	  mkdir -p results/seeds/$$seed; \
	  cp results/pseudoscalar400/closure/closure.json results/seeds/$$seed/closure.json; \
	  cp results/pseudoscalar400/closure_trees/closure.json results/seeds/$$seed/closure_trees.json; \
	  for method in local cells abs positive_only; do \
	    cp results/pseudoscalar400/closure_$$method/closure.json results/seeds/$$seed/closure_$$method.json; done; \
	  cp results/pseudoscalar400/classifier/classifier.json results/seeds/$$seed/classifier.json; \
	done
	python3 bench/closure_check.py $(CLOSURE_FLAGS) $(addprefix results/seeds/,$(CLOSURE_SEEDS))

## Benchmarks: each prints medians and ratios against the tools it is compared with.
bench: bench-engine bench-data bench-network bench-root bench-lhe bench-trees bench-slurm bench-remote

bench-data: release
	.build/release/flow-bench 1000000

bench-engine: release
	@python3 -c "import dvc, snakemake" 2>/dev/null || python3 -m pip install dvc snakemake
	python3 bench/noop_rerun.py --flow $(FLOW_RELEASE)

bench-network: release
	@python3 -c "import torch, sklearn" 2>/dev/null || python3 -m pip install "torch==2.13.0+cpu" scikit-learn || python3 -m pip install torch scikit-learn
	.build/release/flow-bench network 1000000

## The portable kernels against OpenBLAS's: training and inference throughput, same data (no peers needed).
bench-kernels: release
	.build/release/flow-bench network 1000000 kernels

bench-root: release
	.build/release/flow-bench root 2000000

## LHE reading against pylhe on the MadGraph test files (or LHE_FILES), and a generated 10⁶-event file's
## time and peak memory.
LHE_FILES ?=
bench-lhe: release
	@python3 -c "import pylhe" 2>/dev/null || python3 -m pip install pylhe
	.build/release/flow-bench lhe 1000000 $(LHE_FILES)

bench-trees: release
	@python3 -c "import sklearn, threadpoolctl" 2>/dev/null || python3 -m pip install scikit-learn threadpoolctl
	.build/release/flow-bench trees 1000000

bench-slurm: release slurm
	python3 bench/slurm_overhead.py --flow $(FLOW_RELEASE)

## flow push / pull against the local XRootD server beside xrdcp of the same files, and a 200-step no-op
## run with the remote against one without.
bench-remote: release xrootd
	python3 bench/remote_transfer.py --flow $(FLOW_RELEASE)

## Fuzzing: each libFuzzer target (the workflow loader, the CSV, NPY, NPZ, ROOT and LHE readers, and the
## .flownet / .flowgbt model files) runs
## FUZZ_SECONDS on a copy of its seed corpus in Fuzz/corpus; any crash, hang (> 10 s) or OOM fails the run
## and leaves the input in .build-fuzz/artifacts/<target>/.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := fuzz-yaml fuzz-csv fuzz-npy fuzz-npz fuzz-root fuzz-lhe fuzz-model
FUZZ_BUILD   := FLOW_FUZZ=1 $(SWIFT) build --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address

fuzz:
	@for t in $(FUZZ_TARGETS); do $(FUZZ_BUILD) --product $$t || exit 1; done
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p .build-fuzz/corpus/$$t .build-fuzz/artifacts/$$t && { cp -n Fuzz/corpus/$$t/* .build-fuzz/corpus/$$t/ || true; }; \
	  echo "== $$t, $(FUZZ_SECONDS) s"; \
	  ASAN_OPTIONS=detect_leaks=0 SWIFT_BACKTRACE=enable=no .build-fuzz/debug/$$t .build-fuzz/corpus/$$t -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -timeout=10 -detect_leaks=0 \
	    -artifact_prefix=.build-fuzz/artifacts/$$t/ -print_final_stats=1 || exit 1; \
	done

## Regenerate schemas/workflow.schema.json from the step kinds (a test checks it is current).
schema: build
	.build/debug/flow schema > schemas/workflow.schema.json
	.build/debug/flow schema --markdown > docs/kinds.md

clean:
	rm -rf .build .flow results

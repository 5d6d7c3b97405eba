# claw: two entry points.
#   make demo   end-to-end run on the shipped example files (sign a policy, issue a CST,
#               decide tool calls, record evidence, build and verify a bundle, write a report)
#   make test   every test: Rust, C (valgrind), Go, Node, Python
# Both install what they need on a fresh machine (see scripts/).

.PHONY: demo test test-rust lint ci

demo:
	bash scripts/demo.sh

test:
	bash scripts/test-all.sh

test-rust:
	bash scripts/test-rust.sh

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings

ci:
	bash .ci/run

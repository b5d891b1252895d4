# The two commands of the quick start.
.PHONY: demo test

demo:
	scripts/bootstrap
	.venv/bin/harbour demo

test:
	bash .ci/run

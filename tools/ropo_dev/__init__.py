"""The local runner behind `make up`: starts the whole suite as supervised child processes.

Modules: `topology` (the processes, ports and environment, as data), `model` (the
shapes of that data), `prerequisites`, `process` (children and restarts), `render`
(prefixed, readable logs), `health` (readiness), `runner` (the `up` sequence), `cli`.
"""
